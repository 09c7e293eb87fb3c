"""Candidate generation's shortcuts (a slice for a join, a word skipped that opens no date,
a search of an alternation) give what the long way gives: they only save time."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from textpages import page_of

from liasse.extract.candidates import Candidate, all_candidates, amounts, dates, name_text, names
from liasse.extract.candidates.context import _context, _spans
from liasse.extract.candidates.dates import _closed_year
from liasse.extract.fields.dates import _MONTHS, without_glued_time
from liasse.extract.fields.geometry import build_layout

# Words of invoices and till slips, month names in several languages and cases, dates of
# every printed shape, and the quirks the date reader keeps (a label glued by a colon, a
# year that repeats the figure before it).
_WORDS = ["Total", "TOTAL", "Invoice", "Facture", "du", "le", "Rechnung", "vom", "Datum",
          "Date", "Due", "Betrag", "Kunde", "TVA", "Qty", "x", "of", "Fac:07/01/2020",
          "Fecha:07/01/2020", "Tel:0612345678", "Échéance", "März", "März:", "mars", "March",
          "MARCH", "march", "Oct.", "okt", "Dec", "dezember", "Janvier", "feb", "Sept",
          "Nov", "Apr", "Aug", "mai", "Juin", "1er", "3,", "12", "2024", "2025", "25",
          "12/03/2024", "2024-03-12", "03.04.25", "20260815", "08/02", "2018", "05:",
          "13707/2017", "1", "250,00", "12.50", "€", "RM53.60", "1990-01-01", "2025-13-45",
          "45", "٣/٠٤/٢٠٢٥", "Zahlung", "bis", "au", "(12/03/2024)", "-", ":", "N°"]


def _dump(found: dict[str, list[Candidate]]) -> list[tuple[object, ...]]:
    return [(kind, c.value, c.segment.line, c.word, c.excluded, c.block_head,
             sorted(c.features.items())) for kind in sorted(found) for c in found[kind]]


def _random_pages(seed: int, count: int) -> list[list[tuple[float, float, str]]]:
    rng = random.Random(seed)
    return [[(40 + 260 * column, 40 + 15 * line,
              " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 7))))
             for line in range(12) for column in range(rng.randint(1, 2))]
            for _ in range(count)]


def test_the_rest_of_a_segment_is_the_join_of_its_words() -> None:
    layout = build_layout([page_of([(40, 40, "Facture n° 12 du 03/04/2025"),
                                    (40, 60, "Échéance  30 jours"), (300, 60, "x")])])
    for segment in layout.segments():
        for index in range(len(segment.words) + 1):
            assert segment.text_from(index) == " ".join(
                word.text for word in segment.words[index:])


def test_every_month_name_opens_with_a_letter_a_date_may_open_with() -> None:
    assert {name[0] for name in _MONTHS} <= dates._MONTH_INITIALS
    assert not dates._NO_MONTH_LETTERS & {"m", "M", "o", "O", "j", "J"}


def test_words_skipped_for_dates_open_none_of_the_dates_read_the_long_way(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every word is read as a date's start when no letter is skipped: the same candidates."""
    pages = [*_random_pages(11, 60), [(40, 40, "Total 2025 2025-01-05"),
                                      (40, 60, "Fecha:07/01/2020 Datum: 3 März 2024"),
                                      (40, 80, "Date 12/03/2024 March 3, 2024 Oct. 1, 2026")]]
    short = [_dump(all_candidates(build_layout([page_of(rows)]))) for rows in pages]
    monkeypatch.setattr(dates, "_NO_MONTH_LETTERS", frozenset())
    long = [_dump(all_candidates(build_layout([page_of(rows)]))) for rows in pages]
    assert short == long
    assert any(kind == "date" for dump in short for kind, *_ in dump)


def test_a_text_that_opens_with_no_digit_has_no_glued_time_nor_cut_year() -> None:
    rng = random.Random(5)
    texts = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 6))) for _ in range(3000)]
    for text in texts:
        if not text[:1].isdigit():
            assert _closed_year(without_glued_time(text)) == (text, False)


def test_the_courtesy_phrases_are_found_as_a_test_per_phrase_finds_them() -> None:
    padded = [f" {text} " for text in ("thank you please come again", "thanksgiving sale",
                                       "goods sold are not returnable", "merci", "mercier sarl",
                                       "bis bald", "gracias por su compra", "acme")]
    for text in padded:
        long_way = any(f" {phrase} " in text for phrase in name_text._COURTESY)
        assert (name_text._COURTESY_PHRASE.search(text) is not None) == long_way
    assert name_text._could_be_name("Mercier SARL") and not name_text._could_be_name("Merci")


def test_two_glued_legal_forms_are_six_capitals_in_a_row() -> None:
    """The forms' search is skipped without six capitals in a row: every form it cuts is of
    three capitals or more, and the form after it too."""
    assert all(form.isascii() and form.isupper() and len(form) >= 3
               for form in name_text._FORM_TOKENS)
    assert name_text._unglued_forms("ACME (KL)SDNBHD") == "ACME (KL)SDN BHD"
    assert name_text._unglued_forms("SASKIA SDNBH") == "SASKIA SDNBH"


def test_rate_shares_give_the_products_of_the_rates() -> None:
    values = [Decimal("0.01"), Decimal("123.45"), Decimal("99999999.99"),
              Decimal("12345678901234567890123.45")]
    shares = iter(amounts._SHARES)
    for rate in (rate for rate in amounts._RATES if rate > 0):
        share = next(shares)
        assert all(value * share == value * rate / 100 for value in values)


def test_title_words_are_found_as_a_test_per_word_finds_them() -> None:
    for text in ("facture acme", "acme page 2", "seitenweise", "tax invoices", "totalement",
                 "date", "the tax invoice", "acme sarl"):
        padded = f" {text} "
        long_way = any(word in padded for word in names._TITLE_WORDS_PADDED)
        assert (names._TITLE_PHRASE.search(padded) is not None) == long_way


def test_a_segments_edges_are_its_words_edges() -> None:
    layout = build_layout([page_of([(40, 40, "Total TTC"), (300, 40, "120,00 €")])])
    context = _context(layout)
    for line in layout.lines:
        assert _spans(context, line) == [(s.x0, s.x1, s) for s in line.segments]
        assert _spans(context, line) is _spans(context, line)


def test_only_segments_with_a_digit_are_read_for_figures_and_their_words_are_flagged() -> None:
    layout = build_layout([page_of([(40, 40, "Rounding RMO.02"), (40, 60, "RMO.OO SO.OO"),
                                    (40, 80, "Facture du 3 mars 2024"), (40, 100, "Total TTC"),
                                    (300, 100, "12,50 €")])])
    context = _context(layout)
    for segment in layout.segments():
        flags = context.digit_words.get(id(segment))
        if flags is not None:
            assert flags == tuple(any(c.isdigit() for c in w.text) for w in segment.words)
        else:
            assert not any(c.isdigit() for c in segment.text)
    found = all_candidates(layout)
    read = {(kind, c.segment.text) for kind in ("amount", "date", "code") for c in found[kind]}
    assert ("amount", "Rounding RMO.02") in read and ("date", "Facture du 3 mars 2024") in read
    assert {text for _, text in read} <= {"Rounding RMO.02", "Facture du 3 mars 2024", "12,50 €"}
