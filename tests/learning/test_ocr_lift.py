"""An OCR'd value the memory confirms: where the supplier's confirmed value sat, in its
shape, chosen by the reader too, it may be sure though OCR was not quite sure of it, an
amount only when the page's arithmetic checks its digits too; an amount in another
rounding than the supplier's, or OCR far from sure, stays for review."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine

from liasse.extract.candidates import all_candidates
from liasse.extract.fields.document import read_document
from liasse.extract.fields.geometry import build_layout
from liasse.extract.layout import Page, Word
from liasse.extract.memory import apply_memory
from slips import taught_slip

SURE = 0.85


def _line(y: float, *parts: tuple[str, float], ocr: float = 0.96) -> list[Word]:
    return [Word(text, x, y, x + 8.0 * len(text), y + 10.0, ocr) for text, x in parts]


def _slip(item: str, total: str, *, total_ocr: float = 0.96,
          rounding: str | None = None, change: str | None = None) -> list[Page]:
    change = change or f"{50 - float(total):.2f}"
    words = [*_line(40, ("KEDAI", 40), ("MAJU", 100), ("SDN", 150), ("BHD", 190)),
             *_line(60, ("JALAN", 40), ("BESAR", 100), ("KUALA", 160), ("LUMPUR", 220)),
             *_line(80, ("Date:", 40), ("12/03/2018", 100)),
             *_line(120, ("NASI", 40), ("LEMAK", 86), (item, 400)),
             *_line(140, ("TEH", 40), ("TARIK", 80), ("1.50", 400)),
             *_line(180, ("TOTAL", 40), (":", 90)), *_line(180, (total, 400), ocr=total_ocr),
             *_line(200, ("CASH", 40), ("50.00", 400)),
             *_line(220, ("CHANGE", 40), (change, 400)),
             *_line(300, ("THANK", 40), ("YOU", 100))]
    if rounding is not None:
        words += _line(190, ("Rounding", 40), (rounding, 400))
    return [Page(1, 600.0, 800.0, words)]


def test_an_ocr_total_at_the_confirmed_label_that_the_reader_chose_is_sure(
        engine: Engine) -> None:
    taught = taught_slip(engine, _slip("6.20", "7.70"), "7.70")
    later = _slip("7.00", "8.50", total_ocr=0.72)
    plain = read_document(later, layer="ocr").fields["total_amount"]
    learned = read_document(later, layer="ocr", memories=taught).fields["total_amount"]
    assert plain.value == learned.value == "8.50"
    assert learned.confidence >= SURE
    assert "as confirmed" in learned.evidence


def test_an_ocr_total_only_the_reader_agrees_with_stays_for_review(engine: Engine) -> None:
    """The reader choosing the total at the confirmed label re-reads OCR's digits: that
    checks nothing (a misread "65.10" for 85.10). The cash less the change given back
    does: with it the same total is sure, without it it waits for a person."""
    taught = taught_slip(engine, _slip("6.20", "7.70"), "7.70")
    for change, sure in (("41.50", True), ("4.50", False)):
        later = _slip("6.00", "8.50", total_ocr=0.72, change=change)
        plain = read_document(later, layer="ocr").fields["total_amount"]
        learned = read_document(later, layer="ocr", memories=taught).fields["total_amount"]
        assert plain.value == learned.value == "8.50"
        assert plain.confidence < SURE
        assert (learned.confidence >= SURE) is sure
        assert "as confirmed" in learned.evidence


def test_an_ocr_total_far_from_sure_or_off_the_suppliers_rounding_gains_nothing(
        engine: Engine) -> None:
    """Memory lifts neither above what the reader itself says nor above review."""
    taught = taught_slip(engine, _slip("6.20", "7.70"), "7.70")
    for later, value in ((_slip("7.00", "8.50", total_ocr=0.3), "8.50"),
                         (_slip("6.98", "8.48", total_ocr=0.72), "8.48")):
        plain = read_document(later, layer="ocr").fields["total_amount"]
        learned = read_document(later, layer="ocr", memories=taught).fields["total_amount"]
        assert plain.value == learned.value == value
        assert learned.confidence <= max(plain.confidence, 0.8)


def test_a_total_not_rounded_on_a_page_with_a_rounding_line_is_not_sure(
        engine: Engine) -> None:
    taught = taught_slip(engine, _slip("6.20", "7.70"), "7.70")
    later = _slip("6.98", "8.48", rounding="0.02")
    learned = read_document(later, memories=taught).fields["total_amount"]
    assert learned.value == "8.48"
    assert learned.confidence < SURE
    assert "rounding line" in learned.evidence


def test_an_adjustment_line_of_a_supplier_in_cents_casts_no_doubt(engine: Engine) -> None:
    """A supplier whose confirmed total was no multiple of five cents does not round."""
    taught = taught_slip(engine, _slip("6.22", "7.72"), "7.72")
    later = _slip("6.98", "8.48", rounding="0.02")
    learned = read_document(later, memories=taught).fields["total_amount"]
    assert learned.value == "8.48"
    assert "rounding line" not in learned.evidence


def test_a_rounding_line_that_rounds_by_nothing_casts_no_doubt(engine: Engine) -> None:
    """"Rounding 0.00": that till did not round this slip; the confirmed total in five
    cents was one by chance."""
    taught = taught_slip(engine, _slip("6.20", "7.70"), "7.70")
    later = _slip("6.98", "8.48", rounding="0.00")
    learned = read_document(later, memories=taught).fields["total_amount"]
    assert learned.value == "8.48"
    assert "rounding line" not in learned.evidence


def test_an_ocr_total_read_alike_on_another_total_line_is_sure(engine: Engine) -> None:
    """No arithmetic, but the slip prints its total again after another total label:
    OCR read two printings alike, a misread digit would not be misread twice. A price of
    an item equal to it is no second printing."""
    taught = taught_slip(engine, _slip("6.20", "7.70"), "7.70")
    again = _slip("6.00", "8.50", total_ocr=0.72, change="4.50")
    again[0].words.extend(_line(240, ("Total", 40), ("Paid", 86), ("8.50", 400)))
    item = _slip("8.50", "8.50", total_ocr=0.72, change="4.50")
    read_again = read_document(again, layer="ocr", memories=taught).fields["total_amount"]
    priced = read_document(item, layer="ocr", memories=taught).fields["total_amount"]
    assert read_again.value == priced.value == "8.50"
    assert read_again.confidence >= SURE > priced.confidence


def _dated(date: str, ocr: float) -> list[Page]:
    page = _slip("6.00", "8.50")[0]
    words = [w for w in page.words if w.text not in ("Date:", "12/03/2018")]
    return [Page(1, 600.0, 800.0, [*words, *_line(80, ("Date:", 40)),
                                   *_line(80, (date, 100), ocr=ocr)])]


def test_a_date_ocr_far_from_sure_off_the_suppliers_place_is_not_sure(
        engine: Engine) -> None:
    """The reader stated 0.92 for a date OCR read at 0.5, printed otherwise than where
    the supplier's confirmed date sat: a misread digit is another plausible date, so it
    waits for a person. OCR sure of it, the reader's confidence stands."""
    taught = taught_slip(engine, _slip("6.20", "7.70"), "7.70", date="2018-03-12")
    for ocr, sure in ((0.5, False), (0.96, True)):
        pages = _dated("12-04-2018", ocr)
        layout = build_layout(pages)
        fields = dict(read_document(pages, layer="ocr").fields)
        fields["issue_date"] = replace(fields["issue_date"], confidence=0.92)
        read = apply_memory(layout, all_candidates(layout), fields, taught).fields
        assert read["issue_date"].value == "2018-04-12"
        assert (read["issue_date"].confidence >= SURE) is sure


def _gst_slip(net: str, tax: str, printed: tuple[str, ...], cash: str) -> list[Page]:
    words = [*_line(40, ("KEDAI", 40), ("MAJU", 100), ("SDN", 150), ("BHD", 190)),
             *_line(60, ("JALAN", 40), ("BESAR", 100), ("KUALA", 160), ("LUMPUR", 220)),
             *_line(120, ("SPRAY", 40), ("PAINT", 90), (cash, 400)),
             *_line(160, ("Net", 40), ("Amount", 70), (":", 124), (net, 400)),
             *_line(180, ("Total", 40), ("GST", 86), (":", 118), (tax, 400)),
             *_line(200, ("Total", 40), ("Sales", 86), ("(Inclusive", 132), ("GST)", 220),
                    (":", 256), *((text, 400 + 40.0 * i) for i, text in enumerate(printed))),
             *_line(220, ("CASH", 40), (":", 76), (cash, 400)),
             *_line(240, ("Change", 40), (":", 92), ("0.00", 400)),
             *_line(300, ("THANK", 40), ("YOU", 100))]
    return [Page(1, 600.0, 800.0, words)]


def test_the_suppliers_total_label_printing_the_digits_garbled_cross_checks_the_total(
        engine: Engine) -> None:
    """OCR lost the decimal mark on the supplier's total line ("( 742)"): its digits are
    the total that net + tax make, read on the cash line; sure. The line unreadable
    ("EN"), the cash line alone says nothing of which amount is the total."""
    taught = taught_slip(engine, _gst_slip("45.00", "2.70", ("47.70",), "47.70"), "47.70")
    garbled = _gst_slip("7.00", "0.42", ("(", "742)"), "7.42")
    unread = _gst_slip("7.00", "0.42", ("EN",), "7.42")
    plain = read_document(garbled, layer="ocr").fields["total_amount"]
    learned = read_document(garbled, layer="ocr", memories=taught).fields["total_amount"]
    other = read_document(unread, layer="ocr", memories=taught).fields["total_amount"]
    assert plain.value == learned.value == other.value == "7.42"
    assert plain.confidence < SURE <= learned.confidence
    assert other.confidence < SURE


def test_the_readers_amounts_that_add_up_beat_memorys_other_unchecked_one(
        engine: Engine) -> None:
    """Memory's net at the confirmed label is another amount than the reader's, and only
    the reader's net, tax and total add up: the reader's stays. When the reader's do not
    add up either, memory's place is the better guess."""
    taught = taught_slip(engine, _gst_slip("45.00", "2.70", ("47.70",), "47.70"), "47.70")
    assert "net_amount" in taught[0].hints
    pages = _gst_slip("5.00", "0.42", ("7.42",), "7.42")
    layout = build_layout(pages)
    read = dict(read_document(pages, layer="ocr").fields)
    for net, kept in (("7.00", "7.00"), ("7.10", "5.00")):
        read["net_amount"] = replace(read["net_amount"], value=net, confidence=0.79)
        applied = apply_memory(layout, all_candidates(layout), read, taught).fields
        assert applied["net_amount"].value == kept
