"""The supplier directory and the workspace's memory of past documents, from the store.

Bound to one workspace like `WorkspaceRepo`; it hands the enrich logic plain domain
objects (`Supplier`, `Posting`, `KnownDocument`) and never an ORM row.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from liasse.domain.money import Money, MoneyError
from liasse.domain.suppliers import Supplier, SupplierRule, normalise_name
from liasse.enrich.classifier import Posting
from liasse.enrich.directory import InMemoryDirectory
from liasse.enrich.duplicates import KnownDocument
from liasse.store.repo import NotFound
from liasse.store.tables import Document, SupplierRow

POSTED_STATES = ("posted", "matched", "filed_back")
NOT_YET_ENRICHED = ("discovered", "fetched", "extracted")
HISTORY_STATES = ("approved", *POSTED_STATES)


def _to_domain(row: SupplierRow) -> Supplier:
    rule = row.rule or {}
    return Supplier(
        id=row.id, legal_name=row.legal_name, name_variants=tuple(row.name_variants),
        vat_ids=tuple(row.vat_ids), sirens=tuple(row.sirens), sirets=tuple(row.sirets),
        ibans=tuple(row.ibans), domains=tuple(row.domains),
        default_account=row.default_account,
        rule=SupplierRule(ledger_account=rule.get("ledger_account"),
                          always_review=bool(rule.get("always_review", False)),
                          approve_from=rule.get("approve_from"),
                          review_from=rule.get("review_from")),
    )


class SupplierRepo:
    def __init__(self, session: Session, workspace_id: str) -> None:
        self.session = session
        self.workspace_id = workspace_id

    def suppliers(self) -> list[Supplier]:
        rows = self.session.scalars(
            select(SupplierRow).where(SupplierRow.workspace_id == self.workspace_id,
                                      SupplierRow.merged_into.is_(None))
            .order_by(SupplierRow.legal_name)
        ).all()
        return [_to_domain(row) for row in rows]

    def directory(self) -> InMemoryDirectory:
        return InMemoryDirectory(self.suppliers())

    def get(self, supplier_id: str) -> Supplier:
        row = self.session.get(SupplierRow, supplier_id)
        if row is None or row.workspace_id != self.workspace_id:
            raise NotFound(f"supplier {supplier_id}")
        return _to_domain(row)

    def add(self, supplier: Supplier) -> Supplier:
        """Store a new supplier; its id is assigned here."""
        row = SupplierRow(
            workspace_id=self.workspace_id, legal_name=supplier.legal_name,
            name_variants=list(supplier.name_variants), vat_ids=list(supplier.vat_ids),
            sirens=list(supplier.sirens), sirets=list(supplier.sirets),
            ibans=list(supplier.ibans), domains=list(supplier.domains),
            default_account=supplier.default_account, rule={},
        )
        self.session.add(row)
        self.session.flush()
        return _to_domain(row)

    def postings(self) -> list[Posting]:
        """Past account decisions: the history the account suggestion learns from."""
        rows = self.session.execute(
            select(Document.supplier_id, Document.supplier_name, Document.file_name,
                   Document.ledger_account)
            .where(Document.workspace_id == self.workspace_id,
                   Document.ledger_account.is_not(None),
                   Document.state.in_(HISTORY_STATES))
        ).all()
        return [Posting(supplier_id, f"{name or ''} {file_name}", str(account))
                for supplier_id, name, file_name, account in rows]

    def known_documents(self) -> list[KnownDocument]:
        """Every document already past enrichment, as the duplicate checks remember them."""
        rows = self.session.scalars(
            select(Document).where(Document.workspace_id == self.workspace_id,
                                   Document.extraction.is_not(None),
                                   Document.state.not_in(NOT_YET_ENRICHED))
        ).all()
        return [known_document(row) for row in rows]


def known_document(row: Document) -> KnownDocument:
    total = None
    if row.total_minor is not None:
        try:
            sign = -1 if row.document_type == "credit_note" and row.total_minor > 0 else 1
            total = Money(sign * row.total_minor, row.currency or "EUR")
        except MoneyError:
            total = None
    issued = None
    if row.issue_date:
        try:
            issued = date.fromisoformat(row.issue_date)
        except ValueError:
            issued = None
    key = row.supplier_id or (normalise_name(row.supplier_name) if row.supplier_name else None)
    return KnownDocument(row.id, row.sha256, key, row.invoice_number, total, issued,
                         posted=row.state in POSTED_STATES)
