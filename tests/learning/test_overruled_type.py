"""A supplier whose invoices carry a title the classifier reads as "not financial"
("Bestellung" above the invoice): the person confirmed one, its next ones are invoices."""

from __future__ import annotations

from sqlalchemy import Engine

from liasse.app import learning
from liasse.extract.fields.document import read_document
from liasse.extract.layout import Page, Word
from liasse.extract.memory import SupplierMemory
from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.memory_repo import MemoryRepo
from liasse.store.suppliers_repo import SupplierRepo

_IBAN = "DE89370400440532013000"


def _line(y: float, *parts: tuple[str, float]) -> list[Word]:
    return [Word(text, x, y, x + 7.0 * len(text), y + 10.0) for text, x in parts]


def _invoice(title: str, number: str, total: str, *, iban: str = _IBAN) -> list[Page]:
    words = [*_line(40, ("Werkzeug", 40), ("Becker", 110), ("GmbH", 160)),
             *_line(80, (title, 40), ("zur", 140), ("Rechnung", 170), (number, 240)),
             *_line(100, ("Datum:", 40), ("03.02.2025", 100)),
             *_line(300, ("Gesamtbetrag", 40), (total, 400)),
             *_line(700, ("IBAN:", 40), (iban, 90))]
    return [Page(1, 600.0, 800.0, words)]


def _taught(engine: Engine, pages: list[Page]) -> tuple[SupplierMemory, ...]:
    with make_session_factory(engine).begin() as session:
        workspace = store_repo.create_workspace(session, "w", "W")
        memories = MemoryRepo(session, workspace.id)
        learning.learn_pages(SupplierRepo(session, workspace.id), memories, pages,
                             read_document(pages).fields,
                             {"supplier_name": "Werkzeug Becker GmbH", "total_amount": "120.00",
                              "supplier_iban": _IBAN})
        return tuple(memories.memories())


def test_the_title_a_person_overruled_types_the_suppliers_next_document(
        engine: Engine) -> None:
    first = _invoice("Bestellung", "4711", "120.00")
    assert read_document(first).document_type == "other"
    taught = _taught(engine, first)
    later = _invoice("Bestellung", "4712", "80.00")
    assert read_document(later).document_type == "other"
    assert read_document(later, memories=taught).document_type == "invoice"


def test_another_suppliers_page_with_that_title_stays_other(engine: Engine) -> None:
    taught = _taught(engine, _invoice("Bestellung", "4711", "120.00"))
    other = [Page(1, 600.0, 800.0, [
        *_line(40, ("Schrauben", 40), ("Huber", 120), ("KG", 170)),
        *_line(80, ("Bestellung", 40), ("zur", 140), ("Rechnung", 170), ("99", 240)),
        *_line(300, ("Gesamtbetrag", 40), ("50.00", 400)),
        *_line(700, ("IBAN:", 40), ("FR7630006000011234567890189", 90))])]
    assert read_document(other, memories=taught).document_type == "other"
