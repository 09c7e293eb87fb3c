"""A shop recognised though OCR blurred its header: by the long numbers it prints on every
slip, or by its name nearly as confirmed; never by another shop's."""

from __future__ import annotations

from sqlalchemy import Engine

from liasse.app import learning
from liasse.extract.fields.document import read_document
from liasse.extract.fields.geometry import build_layout
from liasse.extract.layout import Page, Word
from liasse.extract.memory import Recognition, SupplierMemory, recognise
from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.memory_repo import MemoryRepo
from liasse.store.suppliers_repo import SupplierRepo


def _line(y: float, *texts: str) -> list[Word]:
    words, x = [], 40.0
    for text in texts:
        words.append(Word(text, x, y, x + 8.0 * len(text), y + 10.0))
        x += 8.0 * len(text) + 8.0
    return words


def _slip(name: tuple[str, ...], gst: str, street: str, total: str) -> list[Page]:
    words = [*_line(40, *name), *_line(60, "NO.", "12,", "JALAN", street),
             *_line(80, "GST", "ID", "No:", gst), *_line(100, "TAX", "INVOICE"),
             *_line(200, "ITEM", "ONE", total), *_line(240, "TOTAL", total),
             *_line(260, "THANK", "YOU")]
    return [Page(1, 600.0, 800.0, words)]


def _later_slip(name: tuple[str, ...], gst: str, total: str) -> list[Page]:
    """Another day's slip of a shop: another till's header, other items (the layout
    fingerprint no longer matches), the shop's number as ever."""
    words = [*_line(40, *name), *_line(60, "CAWANGAN", "TAMAN", "MELATI"),
             *_line(80, "Reg", "No", gst), *_line(100, "SIMPLIFIED", "RECEIPT"),
             *_line(120, "COUNTER", "TWO", "CASHIER", "AMIN"),
             *_line(200, "PEN", "BLUE", total), *_line(240, "TOTAL", total),
             *_line(260, "PLEASE", "COME", "AGAIN")]
    return [Page(1, 600.0, 800.0, words)]


def _taught(engine: Engine) -> tuple[SupplierMemory, ...]:
    with make_session_factory(engine).begin() as session:
        workspace = store_repo.create_workspace(session, "w", "W")
        suppliers, memories = SupplierRepo(session, workspace.id), MemoryRepo(session,
                                                                             workspace.id)
        for name, gst, street in ((("KEDAI", "MAJU", "STATIONERY", "SHOP"), "001531760640",
                                   "SETIA"),
                                  (("RESTORAN", "WAN", "SHENG"), "002043278336", "BESAR")):
            pages = _slip(name, gst, street, "12.00")
            learning.learn_pages(suppliers, memories, pages, read_document(pages).fields,
                                 {"supplier_name": " ".join(name), "total_amount": "12.00"})
        return tuple(memories.memories())


def _nobody() -> Recognition:
    raise AssertionError("not recognised")


def _recognised(pages: list[Page], taught: tuple[SupplierMemory, ...]) -> str | None:
    found = recognise(build_layout(pages), read_document(pages).fields, taught)
    return found.memory.supplier_name if found is not None else None


def test_a_name_misread_by_a_letter_still_names_the_shop(engine: Engine) -> None:
    taught = _taught(engine)
    misread = _later_slip(("KEDAI", "MAJV", "STATI0NERY", "SHOP"), "0O1", "8.50")
    assert _recognised(misread, taught) == "KEDAI MAJU STATIONERY SHOP"
    fields = read_document(misread, memories=taught).fields
    assert fields["supplier_name"].value == "KEDAI MAJU STATIONERY SHOP"


def test_the_shops_registration_number_names_it_when_the_name_is_unreadable(
        engine: Engine) -> None:
    taught = _taught(engine)
    garbled = _later_slip(("RE5T", "~~", "SH"), "002043278336", "8.50")
    assert _recognised(garbled, taught) == "RESTORAN WAN SHENG"


def test_another_shops_header_is_nobodys(engine: Engine) -> None:
    taught = _taught(engine)
    other = _later_slip(("KEDAI", "ZAINAL", "HARDWARE"), "009876543210", "8.50")
    assert _recognised(other, taught) is None


def test_the_shops_number_and_its_name_nearly_printed_make_its_name_sure(
        engine: Engine) -> None:
    """Recognised by its registration number, and its header repeating the confirmed name
    with a letter misread among other words: two signals agree. The number alone, the
    name unreadable, is one: the name stays for a person to check."""
    taught = _taught(engine)
    both = _later_slip(("KEDAI", "MAJV", "STATIONERY", "SHOP", "(519537-X)", "SDN", "BHD"),
                       "001531760640", "8.50")
    alone = _later_slip(("KEDA1", "~~", "SH0P"), "001531760640", "8.50")
    assert "number" in (recognise(build_layout(both), read_document(both).fields, taught)
                        or _nobody()).evidence
    named = read_document(both, memories=taught).fields["supplier_name"]
    unnamed = read_document(alone, memories=taught).fields["supplier_name"]
    assert named.value == unnamed.value == "KEDAI MAJU STATIONERY SHOP"
    assert named.confidence >= 0.85 > unnamed.confidence


def test_the_shops_number_over_its_own_header_lines_make_its_name_sure(
        engine: Engine) -> None:
    """The name unreadable, but the shop's number and the slip's header lines as
    confirmed: two signals agree. The number over another till's header is one signal:
    the name stays for a person to check."""
    taught = _taught(engine)
    same_header = _slip(("KEDA1", "~~", "SH0P"), "001531760640", "SETIA", "8.50")
    other_header = _later_slip(("KEDA1", "~~", "SH0P"), "001531760640", "8.50")
    sure = read_document(same_header, memories=taught).fields["supplier_name"]
    unsure = read_document(other_header, memories=taught).fields["supplier_name"]
    assert sure.value == unsure.value == "KEDAI MAJU STATIONERY SHOP"
    assert sure.confidence >= 0.85 > unsure.confidence
