"""Code candidates: the tokens that may be an invoice number or a reference, with what tells
them from the page's other codes (postcodes, phone numbers, quantities, another document's
number, EN 16931 business-term references).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from liasse.extract.candidates.context import (
    _LINES_ABOVE,
    Candidate,
    _capital_before,
    _Context,
    _has_digit,
    _label_left,
    _segments_left_of,
    _spans,
    _title_before,
)
from liasse.extract.fields.dates import parse_date
from liasse.extract.fields.geometry import Segment
from liasse.extract.fields.numbers import CURRENCY_MARKS, find_amounts

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.\-]{1,30}[A-Za-z0-9]$|^\d{1,3}$")
_FILE_NAME = re.compile(r"\.(?:xml|pdf|png|jpe?g|html?|txt|csv|xlsx?|docx?)$", re.IGNORECASE)


def _under_title(context: _Context, segment: Segment) -> bool:
    """The first segment above, over this one, opens with the document's title ("Facture du
    29/01/2021" over "n° 1234567890"): the title heads what is printed under it."""
    lines = context.layout.lines
    left, right = segment.x0, segment.x1
    for line in reversed(lines[max(0, segment.line - _LINES_ABOVE):segment.line]):
        above = [other for x0, x1, other in _spans(context, line) if x0 <= right and x1 >= left]
        if line.page != segment.page or above:
            return line.page == segment.page and _title_before(above[0], 1)
    return False


def _codes(context: _Context) -> Iterator[Candidate]:
    for segment in context.layout.segments():
        digits = context.digit_words.get(id(segment))
        if digits is None:
            continue  # every code has a digit (and digit groups are digits)
        grouped = _digit_groups(context, segment)
        if grouped:
            # Its groups are pieces of it, no numbers of their own.
            yield _code_candidate(context, segment, 0, grouped, grouped, beside_code=False)
            continue
        for index, word in enumerate(segment.words):
            if not digits[index]:
                continue  # the code is read from the word: no digit there, none in it
            token = _unlabelled_code(word.text.strip(":#°.,;()"))
            if not _CODE.match(token) or not _has_digit(token) \
                    or _FILE_NAME.search(token):
                continue
            if parse_date(token) is not None \
                    or _after_other_number_label(context, segment, index) \
                    or _BUSINESS_TERM.match(token) or _money_or_quantity(segment, index, token):
                continue
            yield _code_candidate(context, segment, index, token, word.text,
                                  beside_code=_beside_code(segment, index))


def _code_candidate(context: _Context, segment: Segment, index: int, token: str,
                    printed: str, *, beside_code: bool) -> Candidate:
    # `map` of the `str` method counts as a generator over the characters does, faster.
    digits = sum(map(str.isdigit, token))
    candidate = Candidate("code", token, segment, index)
    candidate.features.update({
        "digits": min(digits / 10, 2.0),
        "letters": min(sum(map(str.isalpha, token)) / 10, 2.0),
        "separators": float(not _SEPARATORS.isdisjoint(token)),
        "length": min(len(token) / 15, 2.0),
        "all_digits": float(token.isdigit()),
        "looks_amount": float(bool(find_amounts(token))),
        "short": float(len(token) <= 3),
        "long_number": float(token.isdigit() and len(token) >= 9),
        "after_colon": float(index > 0 and segment.words[index - 1].text.endswith(
            (":", "#", "°"))),
        "has_hash": float("#" in printed or "°" in printed),
        "beside_code": float(beside_code),
    })
    known = context.under_title.get(id(segment))
    if known is None:  # the same for every code of the segment
        known = context.under_title[id(segment)] = _under_title(context, segment)
    candidate.under_title = known
    return candidate


_SEPARATORS = frozenset("-/_.")
_POSTCODE_TOKEN = re.compile(r"^\d{4,5}$")
_NUMBER_LABELS = ("same:invoice_number", "left:invoice_number", "above:invoice_number")


def _postcode(candidate: Candidate) -> bool:
    """Four or five digits opening an address line before the town's name ("31000
    Toulouse", "75015 PARIS", "1012 Amsterdam"), with no number's label to say otherwise:
    a postcode, never the document's number."""
    words = candidate.segment.words
    if candidate.word != 0 or len(words) < 2 or not _POSTCODE_TOKEN.match(candidate.value):
        return False
    town = words[1].text
    return town[:1].isupper() and town.rstrip(",").isalpha() \
        and not any(candidate.features.get(label) for label in _NUMBER_LABELS)


_GROUP = re.compile(r"^\d+$")


def _digit_groups(context: _Context, segment: Segment) -> str:
    """A number printed in groups of digits ("Factura | 1 24 0005 0001201345"), as one code,
    when an invoice number's label is to its left: each group alone is only a piece of it.
    Thousands grouped by threes ("1 250 000") are an amount's; without the label a row of
    digit groups is as often a phone number."""
    if len(segment.words) < 3:
        return ""
    words = [word.text for word in segment.words]
    if not all(_GROUP.match(word) for word in words) \
            or all(len(word) == 3 for word in words[1:]):
        return ""
    label = _label_left(context, segment)
    if label is None or label.label.role != "invoice_number":
        return ""
    return " ".join(words)


# A number printed with decimals that end in zeros ("0.5000", "20.000", "3,00"): a quantity
# or a price, never a document's number, whose digits are its own.
_DECIMAL_QUANTITY = re.compile(r"^\d{1,3}[.,]\d*0$")


# A telephone number by its shape, whatever its label: "416-555-1212" (North America),
# "01.02.03.04.05" (France). A scan printed one twice and no label said so.
_PHONE = re.compile(r"^\d{3}[-.]\d{3}[-.]\d{4}$|^0\d(?:[.\-]\d{2}){4}$")


def _money_or_quantity(segment: Segment, index: int, token: str) -> bool:
    """The company's share capital ("Capital de 8500000000 €"), a figure its currency
    follows ("8500000000 €"), a decimal quantity or a phone number: never the
    invoice's number. The ranker had to learn this from the few sources that print one,
    and a source held out that prints its capital as a bare figure lost its number to it."""
    following = segment.words[index + 1:index + 2]
    return _capital_before(segment, index) or bool(_DECIMAL_QUANTITY.match(token)) \
        or bool(_PHONE.match(token)) \
        or any(word.text.strip(".,;:").upper() in CURRENCY_MARKS for word in following) \
        or _after_copyright(segment, index)


def _after_copyright(segment: Segment, index: int) -> bool:
    """"Visualisierung eRechnung © DWC 2025": a copyright's year, printed on every page of
    some viewers' output, beside a title word."""
    return any("©" in word.text or word.text.lower() in ("(c)", "copyright")
               for word in segment.words[:index])


# EN 16931's business-term references ("BT-22", "BG-25"), printed beside each value by the
# viewers that turn an e-invoice's XML into a page: a field's name, never its value.
_BUSINESS_TERM = re.compile(r"^B[GT]-\d{1,3}$")


# Labels of numbers that are never the document's own: phones, and the company's
# identifiers (checked and read apart, by `fields.identifiers`).
_NOT_NUMBER_WORDS = frozenset({
    "tel", "tél", "telephone", "téléphone", "phone", "fax", "mobile", "mob", "gsm", "portable",
    "telefon", "telefax", "handy", "cell", "siret", "siren", "rcs", "iban", "bic", "swift",
    "tva", "vat", "ustidnr", "ustid", "steuernummer", "steuernr", "kvk", "btw", "gln", "gtin",
    "ean", "ape", "naf"})
_IDENTIFIER_SUFFIXES = frozenset({"gln", "gtin", "ean"})


def _after_other_number_label(context: _Context, segment: Segment, index: int) -> bool:
    """"Tel: 0600000002", "SIRET: 81265330100018": a phone or a company identifier, never an
    invoice number. The label may sit a word or two before ("Tel : 03-9201 6281"), end the
    segment to the left ("USt.-Id.-Nr.: | DE123456789", "Steuernummer: | 201/113/40209"),
    or name the identifier after it ("4000001123452 (GLN)")."""
    before = list(segment.words[max(0, index - 2):index])
    if index == 0:
        left = _segments_left_of(context, segment)
        before = list(left[-1].words[-2:]) if left else []
    after = segment.words[index + 1:index + 2]
    return any(_bare(word.text) in _NOT_NUMBER_WORDS for word in before) \
        or any(_bare(word.text) in _IDENTIFIER_SUFFIXES for word in after)


@lru_cache(maxsize=1 << 14)
def _bare(word: str) -> str:
    """A label word without case, dots and dashes ("USt.-Id.-Nr.:" → "ustidnr")."""
    return "".join(char for char in word.lower() if char.isalnum())


_GLUED_NUMBER_LABEL = re.compile(r"^(?:n[°º]|no|nr)[°º.:]?(?=[a-z0-9])|^n[°º]", re.IGNORECASE)


def _unlabelled_code(token: str) -> str:
    """A code without the number sign glued to it: "N°:2024-001", "N°F-20240000010"."""
    if token[:2].lower() in ("no", "nr") and token[2:3] not in "°º.:":
        return token  # "NO1234" or "Nr1" may be the code itself
    match = _GLUED_NUMBER_LABEL.match(token)
    return token[match.end():].strip() if match and match.end() < len(token) else token


def _beside_code(segment: Segment, index: int) -> bool:
    """Another code touches it in the same segment ("8B83747E 0006"): a piece of one value
    whose separator the text layer lost, or one of two numbers side by side."""
    neighbours = (segment.words[i].text.strip(":#°.,;()") for i in (index - 1, index + 1)
                  if 0 <= i < len(segment.words))
    return any(_CODE.match(token) and _has_digit(token) for token in neighbours)
