"""Name candidates: the name-like segments of the first page (and the names put back
together over two lines or columns), with the party blocks they head or belong to, the
seller's marks around them and the page's own web domains.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from liasse.extract.candidates.codes import _NOT_NUMBER_WORDS, _bare
from liasse.extract.candidates.context import (
    _CURRENCY_WORDS,
    _FORM_WORDS,
    _TITLE_WORDS,
    Candidate,
    _Context,
    _has_digit,
    _segments_left_of,
)
from liasse.extract.candidates.name_text import (
    _clean_name,
    _could_be_name,
    _ends_with_form,
    _generic,
    _has_form,
    _rejoined,
)
from liasse.extract.fields.geometry import LabelHit, Layout, Line, Segment, normalise
from liasse.extract.fields.lexicon import SELLER_MARKS

# Any of the seller's marks as whole words in a line padded with spaces: one search of an
# alternation finds a line holding any of them, where a test per mark walked it each time.
_MARK_PHRASE = re.compile("|".join(re.escape(f" {mark} ") for mark in SELLER_MARKS))
_ADDRESS = re.compile(
    r"\b(?:rue|avenue|av|bd|boulevard|chemin|place|allee|impasse|route|quai|cours|"
    r"str|strasse|stra(?:ss|ß)e|weg|platz|allee|gasse|ring|straat|laan|plein|via|viale|"
    r"piazza|calle|avenida|road|rd|street|st|lane|ave|jalan|jln|taman|lorong|no|bp|cedex|"
    r"zi|za|postfach|box|floor|suite|unit|lot)\b")
_POSTCODE = re.compile(r"\b(?:\d{5}|\d{4} ?[a-z]{2}|[a-z]{1,2}\d{1,2} ?\d[a-z]{2}|\d{4})\b")
_CAPITAL = re.compile(r"\b(?:au capital|capital social|share capital|stammkapital)\b")


def _names(context: _Context) -> Iterator[Candidate]:
    """Every name-like segment; the first under a party's heading is marked as such."""
    seller = _block_heads(context, "seller_block")
    customer = _block_heads(context, "customer_block")
    items = _item_lines(context.layout)
    for candidate in _name_like(context):
        if candidate.segment.line in items:
            candidate.excluded = "a line of the item table"
        elif _bank_over_account(context, candidate.segment):
            candidate.excluded = "a bank's name over the account it keeps"
        # On a label's own line only the words after the label are the name.
        # A name joined from several segments ("MUSTERLIEFERANT GMBH | MUSTER-KUNDE GMBH")
        # is not the segment that heads the block.
        own = candidate.value == _clean_name(_rejoined(candidate.segment))
        heads = (own and not _opening_roles(context, candidate.segment)) \
            or bool(candidate.features.get("after_label"))
        candidate.features["heads_seller"] = float(heads and id(candidate.segment) in seller)
        candidate.features["heads_customer"] = float(heads and id(candidate.segment) in customer)
        candidate.features["beside_other_label"] = float(
            _beside_other_label(context, candidate.segment))
        yield candidate


_COLUMN_ALIGN = 0.5  # of the text height: how far apart two left edges still make a column
_COLUMN_GAP = 0.8  # of the text height: the widest gap between two lines of one block
_BLOCK_DEPTH = 4  # how many lines up a block's head is looked for


def _block_heads_above(context: _Context, names: list[Candidate]) -> None:
    """Each name printed as a further line of a block, under another line in the same
    column, is given the name that heads the block, when that head is a name too. A name
    with a legal form, or headed by a party's label, is a party's own and is given none."""
    by_segment: dict[int, Candidate] = {}
    for candidate in names:
        if candidate.excluded is None and candidate.value == _clean_name(candidate.segment.text):
            by_segment.setdefault(id(candidate.segment), candidate)
    for candidate in names:
        if any(candidate.features.get(flag) for flag in
               ("has_form", "heads_customer", "heads_seller", "opens_customer", "opens_seller")):
            continue
        top, segment = None, candidate.segment
        for _ in range(_BLOCK_DEPTH):
            above = _segment_above(context, segment)
            if above is None:
                break
            top = segment = above
        head = by_segment.get(id(top)) if top is not None else None
        if head is not None and head is not candidate and head.value != candidate.value:
            candidate.block_head = head.value


def _segment_above(context: _Context, segment: Segment) -> Segment | None:
    """The segment right above, left edges aligned, as close as lines of one block (a gap
    below zero is only boxes taller than the type); no label heading the block."""
    if segment.line == 0:
        return None
    above = context.layout.lines[segment.line - 1]
    if above.page != segment.page:
        return None
    height = segment.height
    return next((other for other in above.segments
                 if abs(other.x0 - segment.x0) <= _COLUMN_ALIGN * height
                 and segment.y0 - max(word.y1 for word in other.words) <= _COLUMN_GAP * height
                 and not _only_labels(context, other)
                 and not other.text.rstrip().endswith(":")), None)


# A bank's name ("ANZ Bank", "Deutsche Bank", "Sparkasse KölnBonn", "Commerzbank") and the
# words of the account lines printed under it ("ACC # 1234", "BSB # 4321", "IBAN: …").
_BANK_WORDS = frozenset({"bank", "banque", "banca", "banco", "sparkasse", "bankhaus",
                         "caixa", "caisse", "credit", "raiffeisen"})
_BANK_SUFFIX = "bank"  # "Commerzbank", "Volksbank", "Postbank"
_ACCOUNT_WORDS = frozenset({"iban", "bic", "swift", "acc", "account", "acct", "bsb", "sort",
                            "routing", "rib", "konto", "kontonummer", "blz", "compte",
                            "cuenta", "conto", "rekening"})


def _bank_over_account(context: _Context, segment: Segment) -> bool:
    """A bank's name heading the account details printed under it ("ANZ Bank" over "ACC #
    1234 1234" over "BSB # 4321 432"): where the seller is paid, and neither party."""
    words = normalise(segment.text).split()
    if not any(word in _BANK_WORDS or (word.endswith(_BANK_SUFFIX) and len(word) > 5)
               for word in words):
        return False
    if segment.line + 1 >= len(context.layout.lines):
        return False
    below = context.layout.lines[segment.line + 1]
    height, bottom = segment.height, max(word.y1 for word in segment.words)
    return below.page == segment.page and any(
        abs(other.x0 - segment.x0) <= _COLUMN_ALIGN * height
        and other.y0 - bottom <= _COLUMN_GAP * height
        and not _ACCOUNT_WORDS.isdisjoint(_bare(word) for word in other.text.split())
        for other in below.segments)


_ITEM_HEADINGS = 2  # line-item labels that make a line the heading of an item table
_SUM_LABELS = frozenset({"total_amount", "net_amount", "tax_amount"})


def _item_lines(layout: Layout) -> set[int]:
    """The lines of each item table: from a heading that names two item columns
    ("Description | Quantity | Price") down to the first line labelled with a sum. What is
    printed there is a product, a unit or a column ("Kilograms", "Services"), never a party.
    """
    columns: dict[int, set[tuple[int, int]]] = {}
    for hit in layout.hits.get("line_item", []):
        columns.setdefault(hit.segment.line, set()).add((id(hit.segment), hit.start))
    sums = {hit.segment.line for role in _SUM_LABELS for hit in layout.hits.get(role, [])}
    found: set[int] = set()
    for start in sorted(line for line, hits in columns.items() if len(hits) >= _ITEM_HEADINGS):
        if start in found:
            continue  # a heading repeated inside a table already walked
        page = layout.lines[start].page
        for line in layout.lines[start:]:
            if line.page != page or (line.index != start and line.index in sums):
                break
            found.add(line.index)
    return found


def _name_like(context: _Context) -> Iterator[Candidate]:
    layout = context.layout
    customer = _areas_under(context, "customer_block")
    seller = _areas_under(context, "seller_block")
    marks_lines = _seller_mark_lines(layout)
    domains = _domains(layout)
    first_page = [line for line in layout.lines if line.page == 1]
    heads: set[int] = set()
    # A name put back together carries no flag of its own: on the sources that print none,
    # such a flag only learned that the joins of labels and titles were wrong.
    for order, text, segment, over_two_lines in _joined_names(context, first_page):
        yield _name_candidate(segment, text, order, len(first_page), customer, marks_lines,
                              domains, seller=seller)
        if over_two_lines:
            heads.add(id(segment))
    for order, line in enumerate(first_page):
        for segment in line.segments:
            if segment.text.rstrip().endswith(":") or _only_labels(context, segment):
                continue  # "Stylesheet-Version:", "Verkäufer": a label, never a name
            if _contact(segment.text) and len(segment.text.split()) == 1:
                continue  # "www.azimut.com": the seller's address, which spells no name
            if _identifier_row(segment.text):
                continue  # "Siret : 4567890", "Email : …": an identifier's row, no name
            if id(segment) in heads and len(line.segments) == 1:
                continue  # "POPULAR BOOK" over "CO. (M) SDN BHD": the name is the two lines
            text = _clean_name(_rejoined(segment))
            if not _could_be_name(text):
                continue
            opening = _opening_roles(context, segment)
            yield _name_candidate(segment, text, order, len(first_page), customer,
                                  marks_lines, domains, seller=seller, opening=opening)
            after = _after_label(context, segment)
            # A party's label heads a name ("Vendeur : Ma Société"); another label, such
            # as a till slip's "CASHIER: Manager", heads a person or a code, no party.
            if _could_be_name(after) and opening & set(_BLOCK_ROLES):
                yield _name_candidate(segment, after, order, len(first_page), customer,
                                      marks_lines, domains, seller=seller,
                                      after_label=True, opening=opening)
            before_capital = _CAPITAL.split(normalise(segment.text))[0]
            if before_capital != normalise(segment.text) and len(before_capital) > 2:
                words = _CAPITAL.split(segment.text.lower())[0].split()
                cut = _before_dashed_form(
                    _clean_name(" ".join(segment.text.split()[:len(words)])))
                if _could_be_name(cut):
                    yield _name_candidate(segment, _clean_name(cut), order, len(first_page),
                                          customer, marks_lines, domains, seller=seller,
                                          legal=True)


# " - Société Anonyme", " – SAS": a legal form set off from the name by a dash.
_DASH = re.compile(r"\s[-–]\s")
_SPELLED_FORM = re.compile(r"(?:soci[eé]t[eé]|gesellschaft|company|entreprise)\b",
                           re.IGNORECASE)


def _before_dashed_form(text: str) -> str:
    """"BOUYGUES TELECOM" of "BOUYGUES TELECOM - Société Anonyme" (before "au capital"):
    the name ends at the dash that sets its legal form, spelled out or not, apart."""
    parts = _DASH.split(text)
    if len(parts) < 2:
        return text
    form = parts[-1].strip()
    tokens = normalise(form).split()
    if _SPELLED_FORM.match(form) or (tokens and _FORM_WORDS.issuperset(tokens)):
        return " - ".join(parts[:-1]).strip()
    return text


# How far down the first page a name broken over two lines or columns is looked for.
_JOINED_NAME_LINES = 10


def _joined_names(context: _Context,
                  lines: list[Line]) -> Iterator[tuple[int, str, Segment, bool]]:
    """A name the layout or OCR broke apart, put back together when a legal form ends it:
    "CO. | (M) SDN BHD" on one line, "POPULAR BOOK" above "CO. (M) SDN BHD" (the flag: over
    two lines)."""
    for order, line in enumerate(lines[:_JOINED_NAME_LINES]):
        whole = _clean_name(" ".join(_rejoined(segment) for segment in line.segments))
        spaced = _spaced_out(line, order)
        if len(line.segments) > 1 and (_ends_with_form(whole) or spaced) \
                and ":" not in whole and _could_be_name(whole) \
                and _could_head_name(context, line, line.segments[0].text, letterhead=spaced):
            yield order, whole, line.segments[0], False
        following = lines[order + 1] if order + 1 < len(lines) else None
        if following is None or following.page != line.page or _has_form(whole) \
                or _has_digit(whole) or ":" in whole \
                or not _could_head_name(context, line, whole):
            continue
        below = _clean_name(" ".join(_rejoined(segment) for segment in following.segments))
        # Only the tail of a name ("CO. (M) SDN BHD") takes the line above it: a company
        # name whole on its own line ("TRENDYMAX (M) SDN. BHD.") is the legal name, and
        # what sits above it a brand or a branch ("Sarang Hae Yo").
        if _ends_with_form(below) and ":" not in below and not _could_be_name(below):
            yield order, f"{whole} {below}", line.segments[0], True


_SPACED_LINES = 3  # how far down a till slip's letterhead sits


def _spaced_out(line: Line, order: int) -> bool:
    """A letterhead printed wide that OCR cut into pieces ("SLF | CASH | & CARRY", "SIN |
    THYE | & COMPANY"): one of the slip's top lines, words only. A text layer's columns are
    its author's own and stay apart."""
    words = [word for segment in line.segments for word in segment.words]
    # Printed wide, a letterhead is in capitals: OCR's specks ("ele | R") are not.
    return order < _SPACED_LINES and any(word.confidence < 1.0 for word in words) \
        and len(words) <= 6 and not any(_has_digit(word.text) for word in words) \
        and not any(word.text[:1].islower() for word in words)


def _could_head_name(context: _Context, line: Line, text: str, *,
                     letterhead: bool = False) -> bool:
    """The first line of a name broken over two: never a label ("Destinataire"), a title
    ("FACTURE") or a contact ("contact@…"), which only sit above the name. A till slip's
    letterhead may hold a payment word: "SLF | CASH | & CARRY" is a shop's name."""
    plain = normalise(text)
    hits = [hit for segment in line.segments for hit in context.hits_by_segment.get(id(segment), [])
            if not (letterhead and hit.label.role == "payment_line")]
    return not (hits
                or "@" in text or "www" in plain.split()
                or any(token.startswith(_TITLE_WORDS) or "rechnung" in token
                       for token in plain.split()))


def _only_labels(context: _Context, segment: Segment) -> bool:
    """Labels cover every word of the segment: a heading such as "Verkäufer"."""
    hits = context.hits_by_segment.get(id(segment))
    if not hits:
        return False  # most segments hold no label
    covered: set[int] = set()
    for hit in hits:
        covered.update(range(hit.start, hit.end))
    return bool(segment.words) and covered >= set(range(len(segment.words)))


def _opening_roles(context: _Context, segment: Segment) -> frozenset[str]:
    """The roles of the labels that open the segment ("Client : ACME" opens with a customer
    block label): the name after it belongs to that party."""
    return frozenset(hit.label.role for hit in _opening_hits(context, segment))


def _opening_hits(context: _Context, segment: Segment) -> list[LabelHit]:
    return [hit for hit in context.hits_by_segment.get(id(segment), [])
            if hit.start == 0 and not _an_article(hit)]


def _an_article(hit: LabelHit) -> bool:
    """"Le" labels a date only before one ("Paris, le 3 avril 2026"): opening "LE
    FOURNISSEUR" or "Le Petit Ballon SAS", it is the name's article, not a label."""
    if hit.label.tokens != ("le",):
        return False
    words = hit.segment.words
    return hit.end >= len(words) or not any(char.isdigit() for char in words[hit.end].text)


def _after_label(context: _Context, segment: Segment) -> str:
    """The words after a label that opens the segment ("Vendeur : Ma Société SARL")."""
    hits = _opening_hits(context, segment)
    if not hits:
        return ""
    end = max(hit.end for hit in hits)
    return _clean_name(segment.text_from(end)) if end < len(segment.words) else ""


def _name_candidate(segment: Segment, text: str, order: int, lines: int,
                    customer: set[int], marks_lines: list[int], domains: set[str],
                    *, seller: set[int], legal: bool = False,
                    after_label: bool = False,
                    opening: frozenset[str] = frozenset()) -> Candidate:
    plain = normalise(text)
    padded = f" {plain} "
    tokens = plain.split()
    letters = list(filter(str.isalpha, text))
    nearest_mark = min((abs(line - segment.line) for line in marks_lines), default=99)
    candidate = Candidate("name", text, segment, 0)
    domain_match = _domain_match(tokens, domains)
    lower_share = _lower_share(text)
    # The page's own domain spells the name, and the name reads as one: every word capital
    # ("Atelier Berthier SARL" by berthier.fr), no sentence that mentions the brand ("Vos
    # services Bouygues Telecom" by bouyguestelecom.fr).
    candidate.domain_leads = bool(domain_match) and lower_share == 0.0
    candidate.features.update({
        "line_order": min(order / 10, 3.0),
        "first_line": float(order == 0),
        "top_three": float(order < 3),
        "bottom": float(order >= lines - 6),
        "has_form": float(not _FORM_WORDS.isdisjoint(tokens)
                          and not _form_glued_before(text, tokens)),
        "only_form": float(bool(tokens) and _FORM_WORDS.issuperset(tokens)),
        "upper": float(bool(letters) and sum(map(str.isupper, letters))
                       > 0.8 * len(letters)),
        "name_words": min(len(tokens) / 5, 2.0),
        "digit_share": sum(map(str.isdigit, text)) / max(len(text), 1),
        "address": float(bool(_ADDRESS.search(plain)) or bool(_POSTCODE.search(plain))),
        "in_customer": float(id(segment) in customer),
        "mark_near": float(nearest_mark <= 2),
        "mark_same": float(nearest_mark == 0),
        "contact": float("@" in text or "www" in plain or "http" in plain),
        "currency_word": float(plain in _CURRENCY_WORDS),
        "domain_match": domain_match,
        "legal_mention": float(legal),
        "title_word": float(_TITLE_PHRASE.search(padded) is not None),
        "colon": float(":" in text),
        "in_seller": float(id(segment) in seller),
        "after_label": float(after_label),
        # A name led by its party's own label ("Vendeur : …", "Client : …"), or by another
        # label ("Référence : …"), which makes the whole line no name at all.
        "opens_seller": float("seller_block" in opening),
        "opens_customer": float("customer_block" in opening),
        "opens_other_label": float(bool(opening - {"seller_block", "customer_block"})),
        "one_short_word": float(len(tokens) == 1 and len(plain) <= 5),
        "long_text": float(len(tokens) > 6),
        "sentence": float(text.endswith(("!", ".", "?")) and len(tokens) > 3),
        "generic_word": float(_generic(plain)),
        "lowercase": float(bool(letters) and all(map(str.islower, letters))),
        # "Lesbarmachung der XML-Daten von elektronischen Rechnungen": words that start in
        # lower case make a sentence or a heading; a name has one at most ("Groß und Breit").
        "lower_words": lower_share,
    })
    return candidate


# Words that make a line a title or a heading, no name: any of them as whole words in a
# text padded with spaces, by one search of an alternation.
_TITLE_WORDS_PADDED = tuple(f" {word} " for word in (
    "facture", "invoice", "rechnung", "receipt", "avoir", "factuur", "fattura", "factura",
    "tax invoice", "page", "seite", "date", "total"))
_TITLE_PHRASE = re.compile("|".join(re.escape(word) for word in _TITLE_WORDS_PADDED))


def _form_glued_before(text: str, tokens: list[str]) -> bool:
    """"KG.BATU" (a village, Kampung Batu): a form glued before the only word is no form,
    which follows its name ("ACME-GmbH" keeps its form)."""
    return len(text.split()) == 1 and len(tokens) > 1 and tokens[0] in _FORM_WORDS \
        and _FORM_WORDS.isdisjoint(tokens[1:])


def _lower_share(text: str) -> float:
    words = [word for word in text.split() if word[:1].isalpha()]
    return sum(word[0].islower() for word in words) / len(words) if words else 0.0


_BLOCK_ROLES = ("seller_block", "customer_block")
_BLOCK_LINES = 6  # how far under its label a party's block reaches


def _areas_under(context: _Context, role: str) -> set[int]:
    """Segments of a block a label opens ("Bill to", "Vendeur"): its own and those under it."""
    return {id(segment) for block in _blocks_under(context, role) for segment in block}


def _blocks_under(context: _Context, role: str) -> list[list[Segment]]:
    """Each block a label of `role` opens: the label's segment, then the segments under it,
    in reading order, down to the next party's label ("Verkäufer … Käufer": the seller's
    block ends where the buyer's begins)."""
    layout = context.layout
    blocks: list[list[Segment]] = []
    for hit in layout.hits.get(role, []):
        label = hit.segment
        if _contact(label.text):
            continue  # "tim.kleine@lieferant.com" holds the word "lieferant", heads no block
        block = [label]
        for line in layout.lines[label.line + 1:label.line + 1 + _BLOCK_LINES]:
            if line.page != label.page:
                break
            under = [other for other in line.segments
                     if other.x0 < label.x0 + 150 and other.x1 > label.x0 - 10]
            if under and under[-1].text.rstrip().endswith(":"):
                # "Name: | Kunden AG": the value of a row of the block, in its own column.
                under += [other for other in line.segments if other.x0 >= under[-1].x1][:1]
            if any(_opens_block(context, other) for other in under):
                break
            block.extend(under)
        blocks.append(block)
    return blocks


# Labels whose value beside them is a party's name ("Name: | Lieferant GmbH").
_NAME_LABELS = frozenset({"name", "nom", "firma", "firmenname", "company", "company name",
                          "societe",
                          "raison sociale", "unternehmen", "naam", "bedrijf", "nome",
                          "ragione sociale", "empresa", "nombre", "razon social"})


def _beside_other_label(context: _Context, segment: Segment) -> bool:
    """The value of a "Label: value" row whose label names no party ("Anschrift: | …",
    "Rechnungsstandard: | Factur-x 1.0"): an address, a code or a setting, never a name."""
    left = _segments_left_of(context, segment)
    if not left or not left[-1].text.rstrip().endswith(":"):
        return False
    label = normalise(left[-1].text)
    return label not in _NAME_LABELS and not _opens_block(context, left[-1])


def _opens_block(context: _Context, segment: Segment) -> bool:
    return any(hit.label.role in _BLOCK_ROLES and hit.start == 0
               for hit in context.hits_by_segment.get(id(segment), []))


def _block_heads(context: _Context, role: str) -> set[int]:
    """The first segment under each block's label that could be a name: where a party's
    name is printed under its heading ("Destinataire / Communauté de communes … / 2 place
    de la Mairie"), whatever comes after it."""
    heads: set[int] = set()
    for block in _blocks_under(context, role):
        if _after_label(context, block[0]):
            heads.add(id(block[0]))  # "Vendeur : Ma Société SARL": the name follows its label
            continue
        names = [segment for segment in block[1:] if _names_a_party(context, segment)][:2]
        if len(names) == 2 and not _has_form(names[0].text) and _has_form(names[1].text):
            names = names[1:]  # "John Miller / ACME Company Inc": a contact above the company
        heads.update(id(segment) for segment in names[:1])
    return heads


def _names_a_party(context: _Context, segment: Segment) -> bool:
    text = segment.text.rstrip()
    if text.endswith(":") or _only_labels(context, segment) \
            or _beside_other_label(context, segment):
        return False  # "Name:" heads the value beside it; "Nummer: | 549910" is no name
    return _could_be_name(_clean_name(text))


_CONTACT_WORDS = frozenset({"email", "mail", "courriel", "web", "website", "site", "url",
                            "internet", "homepage"})


def _identifier_row(text: str) -> bool:
    """A row that opens with an identifier's or a contact's label and its colon ("Siret :
    4567890K", "TVA : TEST", "Email : contact@…"): what follows is that identifier."""
    label, colon, _ = text.partition(":")
    if not colon:
        return False
    words = {_bare(word) for word in label.split()}
    return len(words) <= 3 and bool(words & _IDENTIFIER_ROW_WORDS)


_IDENTIFIER_ROW_WORDS = _NOT_NUMBER_WORDS | _CONTACT_WORDS


def _contact(text: str) -> bool:
    lowered = text.lower()
    return "@" in lowered or "www." in lowered or "http" in lowered


def _seller_mark_lines(layout: Layout) -> list[int]:
    return [line.index for line in layout.lines
            if _MARK_PHRASE.search(f" {normalise(line.text)} ") is not None]


_DOMAIN = re.compile(r"(?:@|www\.|https?://)((?:[a-z0-9\-]+\.)+[a-z]{2,})", re.IGNORECASE)
# A web address printed bare ("Gracias por comprar en decathlon.es"): only with a common
# top-level domain, so that "S.A.U." or "Nr.1" never read as one.
_BARE_DOMAIN = re.compile(
    r"(?<![\w@.\-])((?:[a-z0-9\-]{3,}\.)+(?:com|fr|de|es|it|nl|be|ch|at|eu|net|org|io|co\.uk|"
    r"lu|pt|ie|pl|se|dk|fi|no))(?![\w\-]|\.\w)")


def _domains(layout: Layout) -> set[str]:
    found: set[str] = set()
    matches = [*_DOMAIN.finditer(layout.text), *_BARE_DOMAIN.finditer(layout.text)]
    for match in matches:
        labels = match.group(1).lower().split(".")
        if len(labels) >= 2:
            found.add(labels[-2])
    return found - {"gmail", "yahoo", "hotmail", "outlook", "orange", "free", "gmx", "web"}


def _domain_match(tokens: list[str], domains: set[str]) -> float:
    if not tokens or not domains:
        return 0.0
    joined = "".join(tokens)
    for domain in domains:
        if len(domain) >= 3 and (domain in joined or any(
                token == domain for token in tokens if len(token) >= 3)):
            return 1.0
    return 0.0
