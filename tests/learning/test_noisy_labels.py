"""A label OCR garbled around: the lexicon's label among the noise ("TOTAL jq aipqr") is
what the next slip repeats, at the same place among the values after that label."""

from __future__ import annotations

from sqlalchemy import Engine

from liasse.extract.fields.document import read_document
from liasse.extract.layout import Page, Word
from liasse.extract.memory.reading import _same_label
from slips import taught_slip

SURE = 0.85


def _line(y: float, *parts: tuple[str, float]) -> list[Word]:
    return [Word(text, x, y, x + 8.0 * len(text), y + 10.0, 0.96) for text, x in parts]


def _slip(items: list[str], total: str, noise: tuple[str, ...], summary: tuple[str, str]
          ) -> list[Page]:
    """Items, the total after a "TOTAL" OCR blurred the rest of, and a tax summary whose
    own "TOTAL" line holds the net and the tax."""
    words = [*_line(40, ("KEDAI", 40), ("MAJU", 100), ("SDN", 150), ("BHD", 190)),
             *_line(60, ("JALAN", 40), ("BESAR", 100), ("KUALA", 160), ("LUMPUR", 220)),
             *_line(80, ("Date:", 40), ("12/03/2018", 100))]
    for index, price in enumerate(items):
        words += _line(120 + 24 * index, (f"ITEM{index}", 40), (price, 400))
    y = 140 + 24 * len(items)
    label, x = [("TOTAL", 40.0)], 84.0
    for word in noise:
        label.append((word, x))
        x += 8.0 * len(word) + 4.0
    words += _line(y, *label, (total, 400))
    words += _line(y + 20, ("CASH", 40), ("100.00", 400))
    words += _line(y + 60, ("GST", 40), ("SUMMARY", 80))
    words += _line(y + 80, ("TOTAL", 40), (summary[0], 300), (summary[1], 400))
    return [Page(1, 600.0, 800.0, [*words, *_line(y + 120, ("THANK", 40), ("YOU", 100))])]


def test_the_lexicon_label_under_ocr_noise_finds_the_next_total(engine: Engine) -> None:
    taught = taught_slip(engine, _slip(["6.00", "6.50"], "12.50", ("jq", "aipqr", "jtrs"),
                                   ("11.79", "0.71")), "12.50")
    (memory,) = taught
    anchor = memory.hints["total_amount"].anchor
    assert anchor is not None and anchor.core == "total" and anchor.core_rank == 0
    later = _slip(["4.00", "5.50", "7.00", "4.40"], "20.90", ("ID)", "5"), ("19.72", "1.18"))
    learned = read_document(later, layer="ocr", memories=taught).fields["total_amount"]
    assert learned.value == "20.90"
    assert learned.confidence >= SURE
    assert "as confirmed" in learned.evidence


def test_a_value_after_the_lexicon_label_at_another_place_lifts_nothing(
        engine: Engine) -> None:
    """The confirmed total followed the second "TOTAL" (the summary's): the next slip's
    first "TOTAL" is not where this supplier's confirmed value sat."""
    first = _slip(["6.00", "6.50"], "12.50", ("jq", "aipqr", "jtrs"), ("11.79", "12.40"))
    taught = taught_slip(engine, first, "12.40")
    later = _slip(["4.00", "5.50", "7.00", "4.40"], "20.90", ("ID)", "5"), ("19.72", "1.18"))
    plain = read_document(later, layer="ocr").fields["total_amount"]
    learned = read_document(later, layer="ocr", memories=taught).fields["total_amount"]
    assert "as confirmed" not in learned.evidence
    assert learned.confidence <= max(plain.confidence, 0.8)


def test_the_longer_form_of_the_confirmed_lexicon_label_is_the_same_label(
        engine: Engine) -> None:
    """"Total Sales" confirmed (OCR blurred what followed), "Total Sales Inclusive of GST"
    printed in full on the next slip."""
    taught = taught_slip(engine, _slip(["6.00", "6.50"], "12.50", ("Sales", "jq"),
                                   ("11.79", "0.71")), "12.50")
    later = _slip(["4.00", "5.50", "7.00", "4.40"], "20.90",
                  ("Sales", "Inclusive", "of", "GST"), ("19.72", "1.18"))
    learned = read_document(later, layer="ocr", memories=taught).fields["total_amount"]
    assert learned.value == "20.90"
    assert learned.confidence >= SURE
    assert "as confirmed" in learned.evidence


def test_a_confirmed_total_ocr_misread_by_one_digit_still_anchors_on_its_line(
        engine: Engine) -> None:
    """The person typed 12.50; OCR printed "12.56" after the label: the line is still
    where this supplier prints its total."""
    first = _slip(["6.00", "6.50"], "12.56", ("Sales",), ("11.79", "0.71"))
    (memory,) = taught_slip(engine, first, "12.50")
    anchor = memory.hints["total_amount"].anchor
    assert anchor is not None and anchor.label == "total sales"
    assert memory.hints["total_amount"].value == "12.50"


def test_a_total_two_digits_away_is_no_anchor(engine: Engine) -> None:
    first = _slip(["6.00", "6.50"], "18.56", ("Sales",), ("11.79", "0.71"))
    (memory,) = taught_slip(engine, first, "12.50")
    assert memory.hints["total_amount"].anchor is None


def test_a_shorter_lexicon_label_than_the_confirmed_one_is_not_the_same(
        engine: Engine) -> None:
    """"Total Payable" confirmed: a next page's bare "TOTAL" may total anything."""
    taught = taught_slip(engine, _slip(["6.00", "6.50"], "12.50", ("Payable",),
                                   ("11.79", "0.71")), "12.50")
    (memory,) = taught
    anchor = memory.hints["total_amount"].anchor
    assert anchor is not None and anchor.core == "total payable"
    later = _slip(["4.00", "5.50", "7.00", "4.40"], "20.90", ("jq",), ("19.72", "1.18"))
    learned = read_document(later, layer="ocr", memories=taught).fields["total_amount"]
    assert "as confirmed" not in learned.evidence


def test_a_short_label_with_one_letter_misread_is_the_same_label() -> None:
    """"Data:" for "Date:": one edit, under any ratio of a four-letter word."""
    assert _same_label("data", "date")
    assert not _same_label("dt", "date")
    assert not _same_label("cash", "date")
