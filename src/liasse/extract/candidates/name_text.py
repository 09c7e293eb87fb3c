"""A name's text as printed and as OCR reads it: put back together where OCR broke a word
("GA RDENIA", "BAKERI ES") or glued words ("SDNBHD"), cleaned of what surrounds a name on a
line (a trailing registration number, a stamp, debris), and tested for being a name at all
(not a label, a courtesy phrase, an address or a country).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import pairwise

from rapidfuzz.distance import Levenshtein

from liasse.extract.candidates.context import _CURRENCY_WORDS, _FORM_WORDS, _has_digit
from liasse.extract.fields.geometry import Segment, normalise
from liasse.extract.fields.lexicon import LEGAL_FORMS, TRADE_WORDS

# OCR's split inside a word ("GA RDENIA", "RI ANG") leaves a piece of one or two letters
# closer to the rest than a space does: under this share of the line's height, one word.
# Gaps alone do not tell ("KEDAI PAPAN" can stand as close as "GA RDENIA"): only a piece
# too short to be a word of a name on its own is joined.
_SPLIT_GAP_SHARE = 0.25
_SPLIT_PIECE = 2
# A single letter stands a little further from the rest of its word ("BA K ERIES"): on the
# real receipts no lone letter that close was a word of its own.
_SPLIT_LETTER_GAP_SHARE = 0.3


def _rejoined(segment: Segment) -> str:
    """The segment's text, the pieces of a word OCR broke at a pixel gap put back together.

    Only between letters read by OCR (a text layer's spaces are the author's own), only at
    a gap much narrower than the words' height, and only when one side is a short piece.
    """
    words = segment.words
    if not words or all(word.confidence >= 1.0 for word in words):
        return segment.text
    parts = [words[0].text]
    for left, right in pairwise(words):
        height = min(left.y1 - left.y0, right.y1 - right.y0)
        piece = min(_letters(left.text), _letters(right.text))
        share = _SPLIT_LETTER_GAP_SHARE if piece == 1 else _SPLIT_GAP_SHARE
        close = right.x0 - left.x1 < share * height
        if close and piece <= _SPLIT_PIECE and left.text[-1:].isalpha() \
                and right.text[:1].isalpha() and _one_word(parts[-1], right.text):
            parts[-1] += right.text
        else:
            parts.append(right.text)
    return " ".join(_split_glued(part) for part in _trade_words_rejoined(parts))


def _one_word(left: str, right: str) -> bool:
    """Whether two pieces OCR set close may be one word: not when one is a legal form on
    its own ("AEON | CO."), nor where the case says a new word starts: a capital after a
    lower-case letter ("Jessie | M"), or a capitalised word after another ("TF | Value")."""
    if any(normalise(piece) in _FORM_WORDS for piece in (left, right)):
        return False
    starts_word = right[:1].isupper() and (left[-1:].islower() or right[1:2].islower())
    return not starts_word


# OCR's split inside a trade word ("HOL DINGS", "ENTERPR ISE", "BAKERI ES") leaves a piece
# of this many letters or fewer, whatever the gap: the word the pieces spell is rejoined.
_TRADE_PIECE = 3
_TRADE_WORD_SET = frozenset(TRADE_WORDS)


def _trade_words_rejoined(parts: list[str]) -> list[str]:
    """Two neighbouring pieces whose letters spell a trade word together, one of them
    short and neither a trade word alone, put back as one word ("BOOK STORE" stays: STORE
    is one; "SUPER MARKET" stays: no piece is short)."""
    joined: list[str] = []
    for part in parts:
        if joined and _spell_trade_word(joined[-1], part):
            joined[-1] += part
        else:
            joined.append(part)
    return joined


_LEADING_LETTERS = re.compile(r"^[^\W\d_]+")


def _spell_trade_word(left: str, right: str) -> bool:
    """Only the right piece's leading letters count ("BAKERI | ES(KL)")."""
    found = _LEADING_LETTERS.match(right)
    tail = found.group(0) if found else ""
    if not left.isalpha() or not tail:
        return False
    return (left + tail).upper() in _TRADE_WORD_SET and min(len(left), len(tail)) <= _TRADE_PIECE \
        and left.upper() not in _TRADE_WORD_SET and tail.upper() not in _TRADE_WORD_SET \
        and (left.isupper() == tail.isupper() or tail.islower())


_TRADE_WORDS = sorted(TRADE_WORDS, key=len, reverse=True)
_GLUED_LETTERS = 12  # a word in capitals this long may be several OCR glued together
_KEPT_PIECE = 3  # letters of the least piece left beside a trade word (a brand, "SANYU")


@lru_cache(maxsize=1 << 12)
def _split_glued(token: str) -> str:
    """A word in capitals that OCR glued from several ("SANYUSTATIONERYSHOP"), cut where
    the words of shop and company names stand inside it ("SANYU STATIONERY SHOP"); a word
    that no such cut leaves in pieces of three letters or more stays whole."""
    letters = token.rstrip(".,")
    if len(letters) < _GLUED_LETTERS or not letters.isalpha() or not letters.isupper() \
            or letters in TRADE_WORDS:
        return token
    pieces = _trade_pieces(letters)
    return " ".join(pieces) + token[len(letters):] if pieces else token


def _trade_pieces(letters: str) -> list[str] | None:
    """`letters` as trade words and pieces of three letters or more, around the longest
    trade word that leaves such pieces; None when no trade word does."""
    for word in _TRADE_WORDS:
        at = letters.find(word)
        if at < 0:
            continue
        before, after = letters[:at], letters[at + len(word):]
        sides = [_piece(before), _piece(after)]
        if all(side is not None for side in sides):
            return [*(sides[0] or []), word, *(sides[1] or [])]
    return None


def _piece(letters: str) -> list[str] | None:
    if not letters:
        return []
    if letters in TRADE_WORDS:
        return [letters]
    found = _trade_pieces(letters) if len(letters) > _KEPT_PIECE else None
    return found or ([letters] if len(letters) >= _KEPT_PIECE else None)


def _letters(text: str) -> int:
    return sum(map(str.isalpha, text))


def _has_form(text: str) -> bool:
    return not _FORM_WORDS.isdisjoint(normalise(text).split())


def _ends_with_form(text: str) -> bool:
    tokens = normalise(text).split()
    return len(tokens) > 1 and tokens[-1] in _FORM_WORDS


@lru_cache(maxsize=1 << 14)
def _could_be_name(text: str) -> bool:
    """Never a legal form alone ("SARL"), a currency ("EUR"), a bare label ("From")."""
    tokens = normalise(text).split()
    if len(text) < 2 or not any(map(str.isalpha, text)) or not tokens:
        return False
    plain = " ".join(tokens)
    padded = f" {plain} "
    return not (_FORM_WORDS.issuperset(tokens) or plain in _CURRENCY_WORDS
                or _generic(plain) or plain in _COUNTRIES or not _has_word(text)
                or _COURTESY_PHRASE.search(padded) is not None)


def _generic(plain: str) -> bool:
    """A generic word or heading, its spaces kept or glued by OCR ("GSTSUMMARY")."""
    return plain in _GENERIC_WORDS or plain.replace(" ", "") in _GLUED_GENERIC_WORDS


# A till slip's thanks, invitations and sales policy, printed in a name's place at its top
# or bottom ("GOODS SOLD ARE NOT RETURNABLE"), an online invoice's invitation to pay, and
# the software that made the PDF.
_COURTESY = ("thank you", "thanks", "please", "come again", "visit us", "welcome",
             "for shopping", "shopping with",
             "merci", "a bientot", "danke", "vielen dank", "bis bald", "bedankt", "grazie",
             "gracias", "returnable", "refundable", "exchangeable", "no refund", "no refunds",
             "goods sold", "ni repris", "ni echange", "ni echanges", "kein umtausch",
             "umtausch",
             # An online invoice's payment link, printed under its parties ("Pay online").
             "pay online", "pay now", "payer en ligne", "online bezahlen", "jetzt bezahlen",
             "betaal online", "paga online", "pagar en linea",
             # The PDF generator's credit in the page's foot ("Powered by TCPDF").
             "powered by", "generated by", "generated with", "created with", "made with",
             "genere par", "genere avec", "erstellt mit", "erzeugt mit", "gemaakt met",
             "generado con", "generato con")
# Any of the phrases as whole words in a name padded with spaces: one search of an
# alternation, where a test per phrase walked the name each time.
_COURTESY_PHRASE = re.compile("|".join(re.escape(f" {phrase} ") for phrase in _COURTESY))
_WORD = re.compile(r"[^\W\d_]{3,}")
_BRACKETED = re.compile(r"\([^)]*\)")


def _has_word(text: str) -> bool:
    """A name has a word of three letters or more besides its legal form and bracketed
    qualifiers: OCR's debris ("FE ae") has not, nor the tail of a name broken over two
    lines ("(M) SDN BHD", "CO. (M) SDN BHD")."""
    unbracketed = _BRACKETED.sub(" ", text)
    own = [word for word in unbracketed.split() if normalise(word) not in _FORM_WORDS]
    return bool(_WORD.search(text)) and _letters("".join(own)) >= 3


_LAST_BRACKET_NUMBER = re.compile(r"\s*\((?:[^()]*\d[^()]*)\)\s*$")
_DASHED_NUMBER_END = re.compile(r"\s+[-–]\s+[\d][\d .\-]{4,}$")


@lru_cache(maxsize=1 << 14)
def _clean_name(text: str) -> str:
    """The name a segment's text spells, OCR's and layout's debris taken off (cached: the
    same texts are cleaned for several candidates)."""
    # RapidOCR reads some brackets as their full-width forms ("AEON CO. （M) BHD").
    text = unicodedata.normalize("NFKC", text)
    # "(0005583085-K)" registrations; only the last bracket: in "THE STORE (MALAYSIA SDN
    # BHD (8199K)" OCR lost the first one's end, and the name is all that comes before.
    # (Each search only where its mark is: most names have no bracket and no dash.)
    if ")" in text:
        text = _LAST_BRACKET_NUMBER.sub("", text)
    if "-" in text or "–" in text:
        text = _DASHED_NUMBER_END.sub("", text)  # "Francorp S.A.S. - 900178348-7"
    text = _without_debris(text.strip(" ,;:-–|*").strip())
    text = _STATUS_PREFIX.sub("", text) or text
    text = _without_stamp(text)
    return _without_trailing_registration(
        _snap_legal_forms(_look_alike_forms(_unglued_forms(_letters_for_digits(text)))))


# Two legal forms OCR glued into one word, alone or after a bracket ("(KL)SDNBHD").
_GLUED_FORMS = re.compile(
    r"(?<![A-Za-z])(" + "|".join(sorted({form.upper() for form in LEGAL_FORMS
                                         if form.isalpha() and len(form) >= 3}, key=len,
                                        reverse=True)) + r")(?=[A-Z]{3,}\b)")


_CAPITALS = re.compile(r"[A-Z]*")
_SIX_CAPITALS = re.compile(r"[A-Z]{6}")


def _unglued_forms(text: str) -> str:
    """"SDNBHD" as "SDN BHD": a word in capitals made of two legal forms, cut between them
    (only when what follows the first is a legal form too: "SASKIA" stays whole)."""
    def cut(match: re.Match[str]) -> str:
        rest = _CAPITALS.match(text[match.end():])
        return f"{match.group(1)} " if rest and rest.group(0) in _UPPER_FORMS \
            else match.group(1)

    if _SIX_CAPITALS.search(text) is None:
        return text  # a form of three capitals or more, glued to three more: six in a row
    return _GLUED_FORMS.sub(cut, text)


# A sole trader's status printed before the name ("Auto entrepreneur Abderraouf"): the
# status is no part of the name it qualifies.
_STATUS_PREFIX = re.compile(r"^(?:auto|micro)[\s\-]entrepreneur\s+(?=\S)", re.IGNORECASE)


# A bookkeeper's rubber stamp OCR read on the letterhead's line ("YONG CEN ENTERPRISE
# POSTED"): in capitals after a name of two words or more, no word of the name.
_STAMPS = frozenset({"POSTED", "PAID", "ENTERED", "RECEIVED"})


def _without_stamp(text: str) -> str:
    tokens = text.split()
    return " ".join(tokens[:-1]) if len(tokens) >= 3 and tokens[-1] in _STAMPS else text


# A company number printed after the legal form without brackets ("S/B 273500-U"), its
# digits maybe read by OCR as look-alike letters ("SDN BHD BOZTZ5-U"): a word of a name
# never ends in a hyphen and one letter after a legal form.
_REGISTRATION = re.compile(r"^[0-9A-Z]{4,9}-[A-Z]$")


def _without_trailing_registration(text: str) -> str:
    tokens = text.split()
    if len(tokens) > 2 and normalise(tokens[-2]) in _FORM_WORDS \
            and _REGISTRATION.match(tokens[-1]) \
            and _has_digit(tokens[-1]):
        return " ".join(tokens[:-1])
    return text


_NO_CHARACTER = re.compile(r"^[\W_]+$")
_SHORT_LOWER = re.compile(r"^(?=.*[a-z])[^\W\d_]{1,2}$")


def _without_debris(text: str) -> str:
    """OCR's specks around a name put right: marks with no letter or digit at its edges
    ("— — GARDENIA BAKERIES", "SDN BHD —~\\"), and a stray one- or two-letter word in
    lower case before or after a name printed in capitals ("mn GARDENIA", "Ve MR. D.I.Y.")."""
    tokens = text.split()
    while tokens and _NO_CHARACTER.match(tokens[0]):
        tokens.pop(0)
    while tokens and _NO_CHARACTER.match(tokens[-1]):
        tokens.pop()
    capitals = [token for token in tokens if any(map(str.isalpha, token))]
    if len(capitals) >= 3 and all(token.isupper() for token in capitals[1:-1]):
        for edge in (0, -1):
            if tokens and _SHORT_LOWER.match(tokens[edge]):
                tokens.pop(edge)
        while tokens and _NO_CHARACTER.match(tokens[0]):
            tokens.pop(0)
        while tokens and _NO_CHARACTER.match(tokens[-1]):
            tokens.pop()
    return " ".join(tokens)


# OCR's digits for look-alike letters, fixed only inside a word of letters ("D.1.Y.").
_LOOK_ALIKES = str.maketrans("0158", "OISB")
_DIGIT_IN_LETTERS = re.compile(
    r"(?<=[A-Z]\.)[0158](?=\.[A-Z])|(?<=[A-Z])[0158](?=[A-Z])|(?<=\b[A-Z])0(?=\.)")


def _letters_for_digits(text: str) -> str:
    """"MR. D.1.Y." for "MR. D.I.Y.": a digit between two capitals (or two initials) is a
    misread letter, and so is the "0" of a capital's abbreviation ("C0." for "CO."). A
    digit at a word's edge ("3M", "A1") stays what it is."""
    if not _has_digit(text):
        return text  # the common case: no digit to read as a letter
    return _DIGIT_IN_LETTERS.sub(lambda match: match.group(0).translate(_LOOK_ALIKES), text)


# OCR's digits for the letters of a legal form ("5/B" for "S/B", "SDN 8HD" for "SDN BHD").
_FORM_LOOK_ALIKES = str.maketrans("5801", "SBOI")
_UPPER_FORMS = frozenset(form.upper() for form in LEGAL_FORMS if len(form) >= 3)


def _look_alike_forms(text: str) -> str:
    """A word that spells a legal form once OCR's look-alike digits are read as letters, and
    has a letter besides them: only ever such a form, never a number ("5/8")."""
    if not _has_digit(text):
        return text
    tokens = text.split()
    for index, token in enumerate(tokens):
        if _has_digit(token) and any(map(str.isalpha, token)):
            fixed = token.translate(_FORM_LOOK_ALIKES)
            if fixed.upper() == fixed and fixed.rstrip(".,") in _UPPER_FORMS:
                tokens[index] = fixed
    return " ".join(tokens)


_FORM_TOKENS = sorted({form.upper() for form in LEGAL_FORMS
                       if form.isalpha() and len(form) >= 3})
_FORM_TOKEN_SET = frozenset(_FORM_TOKENS)  # asked of every word of every name


def _snap_legal_forms(text: str) -> str:
    """OCR's one-letter slips inside a legal form ("SON BHD" for "SDN BHD"), put right.

    Only a token next to an exact legal form is snapped, and only to a form one letter
    away: a name is never rewritten on a guess.
    """
    tokens = text.split()
    upper = [token.upper().strip(".,") for token in tokens]
    for index, token in enumerate(upper):
        if token in _FORM_TOKEN_SET or len(token) < 3 or not tokens[index].isupper():
            continue
        neighbours = upper[max(0, index - 1):index] + upper[index + 1:index + 2]
        if not any(neighbour in _FORM_TOKEN_SET for neighbour in neighbours):
            continue
        close = [form for form in _FORM_TOKENS if len(form) == len(token)
                 and Levenshtein.distance(form, token) == 1]
        if len(close) == 1:
            tokens[index] = close[0]
    return " ".join(tokens)


_GENERIC_WORDS = frozenset({
    "from", "to", "email", "e mail", "tel", "fax", "phone", "date", "page", "total", "tva",
    "vat", "invoice", "facture", "rechnung", "receipt", "customer", "client", "kunde", "bill",
    "description", "amount", "montant", "betrag", "qty", "item", "items", "thank you",
    "merci", "danke", "restaurant", "tax invoice", "cash", "change", "reference", "referencia",
    "address", "adresse", "telephone", "cashier", "tendered", "payment mode", "item name",
    "summary", "gst summary", "adjustment", "rounding adjustment", "subtotal", "sub total",
    "balance", "discount", "quantity", "price", "unit price", "signature", "customer copy",
    "duplicate", "original", "copy", "member", "points", "welcome", "thank you please come again",
    # A till slip's own titles and its office's stamps ("SIMPLIFIED TAX INVOICE", "POSTED").
    "simplified tax invoice", "full tax invoice", "official receipt", "cash receipt",
    "sales receipt", "cash bill", "cash sale", "cash sales", "posted", "paid",
})


_GLUED_GENERIC_WORDS = frozenset(word.replace(" ", "") for word in _GENERIC_WORDS
                                 if " " in word)

# A country alone on its line ends an address block, and names no party.
_COUNTRIES = frozenset({
    "france", "deutschland", "germany", "allemagne", "espana", "spain", "espagne", "italia",
    "italy", "italie", "nederland", "netherlands", "the netherlands", "pays bas", "belgique",
    "belgie", "belgium", "belgien", "schweiz", "suisse", "switzerland", "svizzera",
    "osterreich", "austria", "autriche", "luxembourg", "luxemburg", "portugal", "ireland",
    "irlande", "united kingdom", "uk", "royaume uni", "england", "great britain",
    "united states", "usa", "etats unis", "canada", "polska", "poland", "pologne", "danmark",
    "denmark", "sverige", "sweden", "norge", "norway", "suomi", "finland", "finlande",
    "india", "china", "japan", "malaysia", "singapore", "australia", "colombia", "mexico",
    "brasil", "brazil", "maroc", "morocco", "tunisie", "algerie", "monaco",
})
