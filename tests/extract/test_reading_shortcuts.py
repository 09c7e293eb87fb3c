"""The field reader's shortcuts (a search of an alternation, a line's figures computed once)
give what the long way gives: they only save time."""

from __future__ import annotations

import re
import unicodedata

from textpages import page_of

from liasse.extract.candidates import all_candidates, names
from liasse.extract.fields import dates, geometry, identifiers, numbers, parties
from liasse.extract.fields.dates import date_words, parse_date
from liasse.extract.fields.geometry import _NON_WORD, build_layout, normalise
from liasse.extract.fields.lexicon import SELLER_MARKS, as_label_word
from liasse.extract.fields.numbers import find_amounts, find_rate

_ROWS = [(40, 40, "ACME SARL au capital de 10 000 EUR"), (40, 55, "Tel 01 02 03 04 05 Fax"),
         (40, 70, "Capitales Dupont"), (40, 85, "SIRET 732 829 320 00074"),
         (40, 100, "n° TVA FR44732829320"), (40, 115, "www.acme.example"),
         (40, 200, "Conseil"), (200, 200, "2"), (300, 200, "20 %"), (400, 200, "1 250,00 €"),
         (500, 200, "2 500,00 €"), (40, 215, "Formation"), (300, 215, "5,5 %"),
         (400, 215, "100,00 €"), (40, 300, "Total TTC"), (400, 300, "2 600,00 €"),
         (40, 315, "Tél. : 0600000002 email contact@acme.example")]


def test_the_seller_mark_lines_are_those_any_mark_is_in_as_whole_words() -> None:
    layout = build_layout([page_of(_ROWS)])
    long_way = [line.index for line in layout.lines
                if any(f" {mark} " in f" {normalise(line.text)} " for mark in SELLER_MARKS)]
    assert names._seller_mark_lines(layout) == long_way
    # "Capitales" holds "capital" but not as a word: no mark, as the long way says.
    assert 2 not in long_way and {0, 1, 3, 4, 5} <= set(long_way)


def test_each_amount_has_the_figures_of_its_own_line() -> None:
    """Counted once per line: every segment of a row gets its own line's count and rate."""
    layout = build_layout([page_of(_ROWS)])
    amounts = all_candidates(layout)["amount"]
    assert len({candidate.segment.line for candidate in amounts}) >= 3
    for candidate in amounts:
        if candidate.derivation is not None:
            continue  # worked out from printed ones: no line of its own
        line = layout.lines[candidate.segment.line]
        count = sum(len(find_amounts(other.text)) for other in line.segments)
        assert candidate.features["line_amounts"] == min(count / 4, 2.0)
        assert candidate.features["rate_on_line"] == float(find_rate(line.text) is not None)


def _normalised_the_long_way(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    kept = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_WORD.sub(" ", kept.lower()).strip()


def test_normalise_drops_accents_as_a_walk_over_each_character_does() -> None:
    """The translation table remembers each character it met: alone, between letters,
    after an accented capital and before a combining mark, every character of the first
    planes reads as the walk reads it."""
    normalise.cache_clear()
    for code in range(0x80, 0x3400):
        char = chr(code)
        for text in (char, f"a{char}b", f"É{char}", f"{char}\u0301x", f"Straße {char}"):
            assert normalise(text) == _normalised_the_long_way(text), hex(code)
    assert normalise("Société Générale – Müller") == "societe generale muller"


def test_a_segments_label_tokens_are_each_words_own_whatever_came_before() -> None:
    """Cached by word: a word met before ("Tota1" on two lines, "N°" then "N°:") reads the
    same tokens as when first met, and as computed afresh."""
    rows = [(40, 40, "Tota1 TTC N° 12"), (40, 55, "Tota1 HT N°: 13"), (40, 70, "Straße Total")]
    for _ in range(2):
        layout = build_layout([page_of(rows)])
        for segment in layout.segments():
            assert segment.tokens == tuple(
                tuple(as_label_word(token) for token in normalise(word.text).split())
                for word in segment.words)
    assert layout.lines[0].segments[0].tokens[0] == ("total",)


def test_identifier_labels_compiled_once_say_what_the_search_said() -> None:
    texts = ["n tva intracommunautaire", "ust idnr", "rcs paris b", "r c s lyon", "siret",
             "iban", "client vat", "tvaintra", "sirene", "", "votre n ust id"]
    for text in texts:
        for kind, words in identifiers._KIND_WORDS.items():
            long_way = any(re.search(rf"\b{word}\b", text) for word in words)
            assert identifiers._labelled(text, kind) == long_way, (text, kind)


def test_identifiers_are_found_beside_segments_without_digits() -> None:
    """Segments without a digit are skipped: those with one are still all read."""
    rows = [(40, 40, "ACME SARL"), (40, 55, "TVA FR44732829320"), (40, 70, "IBAN"),
            (40, 85, "FR76 3000 6000 0112 3456 7890 189"), (40, 100, "SIRET 732 829 320 00074"),
            (40, 115, "Conditions générales de vente")]
    readings = identifiers.read_identifiers(build_layout([page_of(rows)]), frozenset())
    assert readings["supplier_vat_id"].value == "FR44732829320"
    assert readings["supplier_iban"].value == "FR7630006000011234567890189"
    assert readings["supplier_siret"].value == "73282932000074"


def _labels_the_long_way(segment: geometry.Segment) -> list[tuple[str, int, int]]:
    """`_labels_in` without skipping the tokens no label starts with."""
    flat = [(token, index) for index, tokens in enumerate(segment.tokens) for token in tokens]
    found, position = [], 0
    while position < len(flat):
        longest = geometry._longest_label_at(flat, position)
        if longest is None:
            position += 1
            continue
        label, used = longest
        found.append((label.role, flat[position][1], flat[position + used - 1][1] + 1))
        position += used
    return found


def test_labels_are_found_as_when_every_token_is_tried() -> None:
    """Tokens no label's first word begins with are skipped: the labels found, OCR-split
    ones ("Tota l", "Invo i ce") and those after skipped words included, stay the same."""
    rows = [(40, 40, "Veuillez trouver ci-joint la Facture n° 12 du 03/04/2025"),
            (40, 55, "Invo i ce Number: 7 Tota l TTC 12,00"),
            (40, 70, "xyz Total Sales inkl. MwSt."),
            (40, 85, "Date d'échéance Montant HT Client : ACME"), (40, 100, "qqq zzz 12")]
    layout = build_layout([page_of(rows)])
    found = 0
    for segment in layout.segments():
        hits = [(hit.label.role, hit.start, hit.end) for hit in geometry._labels_in(segment)]
        assert hits == _labels_the_long_way(segment), segment.text
        found += len(hits)
    assert found >= 6


def test_equal_segments_hash_alike_and_a_lines_segments_apart() -> None:
    rows = [(40, 40, "Total TTC"), (300, 40, "12,00 €"), (40, 55, "Total TTC")]
    first, again = build_layout([page_of(rows)]), build_layout([page_of(rows)])
    for one, other in zip(first.segments(), again.segments(), strict=True):
        assert one == other and hash(one) == hash(other)
    segments = list(first.segments())
    assert len({hash(segment) for segment in segments}) == len(segments) == 3
    assert segments[0] != segments[2]


def test_legal_names_and_domains_are_found_in_any_case() -> None:
    """Segments without "capital", "@", "www." or "http(s)://" (in any case) are skipped:
    those with one are read as before, capitals included."""
    rows = [(40, 40, "ACME SAS AU CAPITAL DE 10 000 EUR"), (40, 60, "Contact"),
            (40, 80, "Visit WWW.ACME-EXAMPLE.COM"), (40, 100, "Rechnung 12"),
            (40, 120, "Musterfirma GmbH, Stammkapital 25.000 EUR")]
    layout = build_layout([page_of(rows)])
    names = [c.name for c in parties._name_candidates(layout, set()) if c.place == "legal"]
    assert names == ["ACME SAS", "Musterfirma GmbH"]
    assert parties._domain(layout, set())[0] == "acme-example.com"
    mail = build_layout([page_of([(40, 40, "BILLING@ACME-EXAMPLE.COM"), (40, 60, "x")])])
    assert parties._domain(mail, set())[:2] == ("acme-example.com",
                                                "p1: BILLING@ACME-EXAMPLE.COM")


def test_a_lines_amounts_are_its_segments_amounts() -> None:
    """No amount spans the two spaces that join a line's segments, whatever sits at their
    edges (a mark, a sign, a bracket, a per cent sign, a spaced decimal point): the amounts
    of a page are read segment by segment (`amounts._currency`)."""
    rows = [(40, 40, "Total €"), (200, 40, "12,00"), (300, 40, "%"),
            (40, 55, "Remise -"), (200, 55, "5,00 EUR"), (300, 55, "(8.00)"),
            (40, 70, "1 234,56"), (200, 70, "€ 7,50"), (300, 70, "71 .00"), (400, 70, "CHF"),
            (40, 85, "12"), (200, 85, "345,00"), (300, 85, "40."), (400, 85, "35 $")]
    layout = build_layout([page_of(rows)])
    assert all(len(line.segments) > 1 for line in layout.lines)
    for line in layout.lines:
        by_segment = [amount for segment in line.segments for amount in find_amounts(segment.text)]
        assert find_amounts(line.text) == by_segment, line.text
    assert sum(len(find_amounts(line.text)) for line in layout.lines) >= 8


_NO_LETTER_TEXTS = ["12,50 €", "01/10/2026", "2026-10-01", "30 12 17 18:40:57", "0 1 5",
                    "1 234,56", "(8.00)", "10 0 2017", "#12-5", "", "   ", "12.05.18 15 30"]


def test_an_ascii_text_without_letters_names_no_month() -> None:
    """`dates._named` gives up at once on such a text: its normalised words hold no letter
    for a month name to be made of, OCR's look-alike digits ("0CT") included."""
    for text in _NO_LETTER_TEXTS:
        plain = date_words(text)
        assert not re.search(r"[a-z]", plain), text
        assert dates._DAY_MONTH_NAME.search(plain) is None
        assert dates._MONTH_NAME_DAY.search(plain) is None
    assert parse_date("10 0CT 2017") is not None  # a letter, so still read
    assert parse_date("01/10/2026") is not None


def test_a_text_without_a_digit_holds_no_amount() -> None:
    texts = ["Total TTC", "€ EUR $", "", "Montant (HT)", "١٢٫٥٠ €", "12,50 €", "٣٤٥,٠٠"]
    for text in texts:
        long_way = tuple(amount for amount in map(numbers._amount_of,
                                                  numbers._AMOUNT.finditer(text))
                         if amount is not None)
        assert tuple(find_amounts(text)) == long_way, text


def test_a_text_no_identifier_shape_matches_is_one_the_four_shapes_miss() -> None:
    """`identifiers._ANY_SHAPE` matches somewhere exactly when one of the shapes does."""
    texts = ["TVA FR44732829320", "FR76 3000 6000 0112 3456 7890 189", "732 829 320 00074",
             "SIREN 732 829 320", "12,50 €", "01/10/2026", "TEL 01 02 03 04 05", "DE 123456789",
             "BE 41 7360 0661 9710", "N° 2026-0117", "1 234 567 890 12345", "AB12", ""]
    for text in texts:
        any_shape = any(pattern.search(text) for pattern in identifiers._PATTERNS.values())
        assert (identifiers._ANY_SHAPE.search(text) is not None) == any_shape, text
    assert sum(identifiers._ANY_SHAPE.search(text) is not None for text in texts) >= 6
