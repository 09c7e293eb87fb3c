"""The supplier directory and the workspace's memory of past documents, from the store.

Bound to one workspace like the others; it hands the enrich logic plain domain
objects (`Supplier`, `Posting`, `KnownDocument`) and never an ORM row. The writes people
make in the web app (rules, merges, renames) live here too; auditing them is the
caller's job (`liasse.app.actions`), in the same transaction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    Select,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from liasse.domain.documents import KnownDocument
from liasse.domain.identifiers import compact
from liasse.domain.money import Money, MoneyError
from liasse.domain.suppliers import (
    Posting,
    Supplier,
    SupplierMerge,
    SupplierRule,
    company_keys,
    merge_suppliers,
    normalise_name,
)
from liasse.store.db import insert_many_unless_present
from liasse.store.repo import NotFound
from liasse.store.tables import Document, SupplierKey, SupplierRow, new_id

# The table itself, for Core statements (compiled once, no unit of work).
_SUPPLIERS = cast(Table, SupplierRow.__table__)
POSTED_STATES = ("posted", "matched", "filed_back")
NOT_YET_ENRICHED = ("discovered", "fetched", "extracted")
HISTORY_STATES = ("approved", *POSTED_STATES)
# Accepted by a person or by the routing: what counts as spent (as on the dashboard).
SPENT_STATES = HISTORY_STATES


class SupplierNotFound(NotFound):
    """No such (unmerged) supplier in this workspace."""


@dataclass(frozen=True)
class SupplierSpend:
    """What was spent with one supplier in one currency."""

    supplier_id: str
    currency: str
    total_minor: int
    documents: int


@dataclass(frozen=True)
class Identifiers:
    """Identifiers a person confirmed for one supplier."""

    vat_ids: tuple[str, ...] = ()
    sirens: tuple[str, ...] = ()
    sirets: tuple[str, ...] = ()
    ibans: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        return (*self.vat_ids, *self.sirens, *self.sirets, *self.ibans, *self.domains)


@dataclass(frozen=True)
class MergeOutcome:
    merge: SupplierMerge
    documents_moved: tuple[str, ...]  # ids of the documents re-pointed to the kept supplier


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

    def live_supplier_ids(self) -> set[str]:
        """The ids of `suppliers()`, in one narrow statement (what a cached directory lacks)."""
        return set(self.session.scalars(
            select(SupplierRow.id).where(SupplierRow.workspace_id == self.workspace_id,
                                         SupplierRow.merged_into.is_(None))))

    def suppliers_by_ids(self, supplier_ids: list[str]) -> list[Supplier]:
        """These suppliers (live or merged), in the order given; unknown ids left out."""
        rows = {row.id: row for row in self.session.scalars(
            select(SupplierRow).where(SupplierRow.workspace_id == self.workspace_id,
                                      SupplierRow.id.in_(supplier_ids)))}
        return [_to_domain(rows[i]) for i in supplier_ids if i in rows]

    def directory_version(self) -> tuple[int, int]:
        """Changes whenever a supplier row is added, removed or updated (merges, renames,
        rules included): a cached directory with the same version is still right."""
        count, revisions = self.session.execute(
            select(func.count(), func.coalesce(func.sum(SupplierRow.revision), 0))
            .where(SupplierRow.workspace_id == self.workspace_id)
        ).one()
        return int(count), int(revisions)

    def get(self, supplier_id: str) -> Supplier:
        row = self.session.get(SupplierRow, supplier_id)
        if row is None or row.workspace_id != self.workspace_id:
            raise NotFound(f"supplier {supplier_id}")
        return _to_domain(row)

    def add(self, supplier: Supplier) -> Supplier:
        """Store a new supplier (its id is assigned here), or return the one that already
        holds one of its company identifiers: two windows meeting a new seller at the
        same moment create it once (`supplier_keys` decides who was first)."""
        # Core statements, compiled once: a first sync creates a supplier every other
        # document, and the ORM's unit of work cost more than the two inserts.
        stored = replace(supplier, id=new_id(), name_variants=tuple(supplier.name_variants),
                         vat_ids=tuple(supplier.vat_ids), sirens=tuple(supplier.sirens),
                         sirets=tuple(supplier.sirets), ibans=tuple(supplier.ibans),
                         domains=tuple(supplier.domains), rule=SupplierRule())
        self.session.execute(insert(_SUPPLIERS), {
            "id": stored.id, "workspace_id": self.workspace_id, "legal_name": stored.legal_name,
            "name_variants": list(stored.name_variants), "vat_ids": list(stored.vat_ids),
            "sirens": list(stored.sirens), "sirets": list(stored.sirets),
            "ibans": list(stored.ibans), "domains": list(stored.domains),
            "default_account": stored.default_account, "rule": {}})
        # In a stable order, so two writers never wait on each other's keys crosswise;
        # in one statement (a round trip a key cost more than the rest of the insert).
        keys = sorted(supplier.company_keys())
        taken = insert_many_unless_present(self.session, SupplierKey, [
            {"workspace_id": self.workspace_id, "key": key, "supplier_id": stored.id}
            for key in keys], unique=["workspace_id", "key"])
        held = next((key for key in keys if (self.workspace_id, key) not in taken), None)
        if held is not None:
            return self._already_known(stored.id, held)
        return stored

    def _already_known(self, fresh_id: str, key: str) -> Supplier:
        """Another writer holds `key`: drop the row just made, give back theirs (the
        supplier it was merged into, if it was)."""
        self.session.execute(delete(SupplierKey).where(
            SupplierKey.workspace_id == self.workspace_id, SupplierKey.supplier_id == fresh_id))
        self.session.execute(delete(_SUPPLIERS).where(_SUPPLIERS.c.id == fresh_id))
        owner = self.session.scalars(select(SupplierKey.supplier_id).where(
            SupplierKey.workspace_id == self.workspace_id, SupplierKey.key == key)).one()
        row = self.session.get(SupplierRow, owner)
        if row is not None and row.merged_into:
            row = self.session.get(SupplierRow, row.merged_into)
        if row is None:
            raise SupplierNotFound(f"supplier holding {key}")
        return _to_domain(row)

    # --- what people change -------------------------------------------------------------

    def update_rule(self, supplier_id: str, rule: SupplierRule) -> Supplier:
        """Replace the supplier's rule; its account becomes the default account too, so
        that clearing it in the form really leaves no account behind."""
        row = self._live_row(supplier_id)
        row.rule = asdict(rule)
        row.default_account = rule.ledger_account
        self.session.flush()
        return _to_domain(row)

    def rename(self, supplier_id: str, legal_name: str) -> Supplier:
        """A new legal name; the old one stays a name variant so resolution still finds it,
        and the supplier's documents show the new name."""
        name = legal_name.strip()
        if not name:
            raise ValueError("a supplier needs a name")
        row = self._live_row(supplier_id)
        old = row.legal_name
        if normalise_name(old) != normalise_name(name) and old not in row.name_variants:
            row.name_variants = [*row.name_variants, old]
        row.name_variants = [v for v in row.name_variants
                             if normalise_name(v) != normalise_name(name)]
        row.legal_name = name
        self._rename_documents(supplier_id, name)
        self.session.flush()
        return _to_domain(row)

    def add_name_variant(self, supplier_id: str, name: str) -> bool:
        """Remember another way documents write this supplier's name; False if known."""
        row = self._live_row(supplier_id)
        key = normalise_name(name)
        if not key or key in {normalise_name(known) for known in (row.legal_name,
                                                                  *row.name_variants)}:
            return False
        row.name_variants = [*row.name_variants, name.strip()]
        self.session.flush()
        return True

    def merge(self, keep_id: str, absorbed_id: str) -> MergeOutcome:
        """Fold `absorbed_id` into `keep_id`: identifiers and names pooled on the kept row,
        the absorbed row kept with `merged_into` (old links still resolve), its documents
        (and suppliers merged into it earlier) re-pointed to the kept one."""
        keep, absorbed = self._live_row(keep_id), self._live_row(absorbed_id)
        merge = merge_suppliers(_to_domain(keep), _to_domain(absorbed))
        _write(keep, merge.supplier)
        absorbed.merged_into = keep.id
        self.session.execute(
            update(SupplierRow)
            .where(SupplierRow.workspace_id == self.workspace_id,
                   SupplierRow.merged_into == absorbed.id)
            .values(merged_into=keep.id))
        moved = tuple(self.session.scalars(
            select(Document.id).where(Document.workspace_id == self.workspace_id,
                                      Document.supplier_id == absorbed.id)
            .order_by(Document.id)).all())
        self.session.execute(
            update(Document)
            .where(Document.workspace_id == self.workspace_id,
                   Document.supplier_id == absorbed.id)
            .values(supplier_id=keep.id, supplier_name=keep.legal_name))
        self.session.flush()
        return MergeOutcome(merge, moved)

    def take_identifiers(self, keep_id: str, identifiers: Identifiers) -> list[str]:
        """A person said these identifiers are `keep_id`'s: they leave any other supplier
        of the workspace and join it (company keys follow). The ids of the suppliers they
        were taken from, in a stable order."""
        keep = self._live_row(keep_id)
        wanted = {compact(value) for value in identifiers.all() if value}
        losers: list[str] = []
        for row in self.session.scalars(select(SupplierRow).where(
                SupplierRow.workspace_id == self.workspace_id,
                SupplierRow.merged_into.is_(None), SupplierRow.id != keep.id)
                .order_by(SupplierRow.id)).all():
            if _drop_identifiers(row, wanted):
                losers.append(row.id)
        keep.vat_ids = _union(keep.vat_ids, identifiers.vat_ids)
        keep.sirens = _union(keep.sirens, identifiers.sirens)
        keep.sirets = _union(keep.sirets, identifiers.sirets)
        keep.ibans = _union(keep.ibans, identifiers.ibans)
        keep.domains = _union(keep.domains, identifiers.domains)
        self.session.flush()
        for key in sorted(_to_domain(keep).company_keys() & company_keys(
                identifiers.vat_ids, identifiers.sirens, identifiers.sirets)):
            self.session.execute(delete(SupplierKey).where(
                SupplierKey.workspace_id == self.workspace_id, SupplierKey.key == key))
            self.session.add(SupplierKey(workspace_id=self.workspace_id, key=key,
                                         supplier_id=keep.id))
        self.session.flush()
        return losers

    def absorb_mistake(self, keep_id: str, absorbed_id: str) -> MergeOutcome:
        """Fold a supplier created by mistake (named after the customer, or a bare legal
        form) into the right one: a merge, without its wrong names joining the right one."""
        names = list(self._live_row(keep_id).name_variants)
        outcome = self.merge(keep_id, absorbed_id)
        self._live_row(keep_id).name_variants = names
        self.session.flush()
        return outcome

    def set_default_account(self, supplier_id: str, account: str | None) -> None:
        """The account a person chose for this supplier's documents (a rule's wins)."""
        row = self._live_row(supplier_id)
        row.default_account = account
        self.session.flush()

    def resolve_id(self, supplier_id: str) -> str:
        """The supplier an id stands for today: itself, or the one it was merged into."""
        row = self.session.get(SupplierRow, supplier_id)
        if row is None or row.workspace_id != self.workspace_id:
            raise SupplierNotFound(f"supplier {supplier_id}")
        return row.merged_into or row.id

    # --- read models for the directory --------------------------------------------------

    def spend_by_supplier(self, year: int) -> list[SupplierSpend]:
        """Accepted spend per supplier and currency, of invoices issued in `year`."""
        rows = self.session.execute(
            select(Document.supplier_id, Document.currency, func.sum(Document.total_minor),
                   func.count())
            .where(Document.workspace_id == self.workspace_id,
                   Document.supplier_id.is_not(None),
                   Document.state.in_(SPENT_STATES),
                   Document.total_minor.is_not(None),
                   Document.issue_date >= f"{year:04d}-01-01",
                   Document.issue_date <= f"{year:04d}-12-31")
            .group_by(Document.supplier_id, Document.currency)
        ).all()
        return sorted((SupplierSpend(str(supplier_id), str(currency or "EUR"), int(total or 0),
                                     int(count)) for supplier_id, currency, total, count in rows),
                      key=lambda spend: (-spend.total_minor, spend.supplier_id, spend.currency))

    def document_counts(self) -> dict[str, int]:
        """Supplier id → how many documents (any state) are attributed to it."""
        rows = self.session.execute(
            select(Document.supplier_id, func.count())
            .where(Document.workspace_id == self.workspace_id,
                   Document.supplier_id.is_not(None))
            .group_by(Document.supplier_id)
        ).all()
        return {str(supplier_id): int(count) for supplier_id, count in rows}

    def _live_row(self, supplier_id: str) -> SupplierRow:
        row = self.session.get(SupplierRow, supplier_id)
        if row is None or row.workspace_id != self.workspace_id or row.merged_into:
            raise SupplierNotFound(f"supplier {supplier_id}")
        return row

    def _rename_documents(self, supplier_id: str, name: str) -> None:
        self.session.execute(
            update(Document)
            .where(Document.workspace_id == self.workspace_id,
                   Document.supplier_id == supplier_id)
            .values(supplier_name=name))

    def postings(self) -> list[Posting]:
        """Past account decisions: the history the account suggestion learns from."""
        rows = self.session.execute(
            select(Document.supplier_id, Document.supplier_name, Document.file_name,
                   Document.ledger_account).where(*self._in_history())
        ).all()
        return [Posting(supplier_id, f"{name or ''} {file_name}", str(account))
                for supplier_id, name, file_name, account in rows]

    def postings_version(self) -> tuple[int, datetime | None]:
        """Changes whenever a document enters or leaves the history, or one in it changes
        (every transition and every edit sets `updated_at`): a cached history with the same
        version is still right, and reading it again costs a row per posted document."""
        count, latest = self.session.execute(
            select(func.count(), func.max(Document.updated_at)).where(*self._in_history())
        ).one()
        return int(count), latest

    def knowledge_version(self) -> tuple[tuple[int, int], tuple[int, datetime | None]]:
        """`directory_version` and `postings_version` in one statement: an enricher checks
        both before each document, and a round trip each cost more than the check."""
        suppliers, revisions, postings, latest = tuple(self.session.execute(
            _KNOWLEDGE_VERSION, {"workspace_id": self.workspace_id}).one())
        return (int(suppliers), int(revisions)), (int(postings), latest)

    def _in_history(self) -> tuple[Any, ...]:
        return (Document.workspace_id == self.workspace_id,
                Document.ledger_account.is_not(None), Document.state.in_(HISTORY_STATES))

    def known_documents(self) -> list[KnownDocument]:
        """Every document already past enrichment, as the duplicate checks remember them."""
        rows = self.session.scalars(
            select(Document).where(Document.workspace_id == self.workspace_id,
                                   Document.extraction.is_not(None),
                                   Document.state.not_in(NOT_YET_ENRICHED))
        ).all()
        return [known_document(row) for row in rows]


def _knowledge_version() -> Select[Any]:
    workspace_id: BindParameter[str] = bindparam("workspace_id", type_=String())
    directory = (select(func.count().label("suppliers"),
                        func.coalesce(func.sum(SupplierRow.revision), 0).label("revisions"))
                 .where(SupplierRow.workspace_id == workspace_id).subquery())
    history = (select(func.count().label("postings"),
                      func.max(Document.updated_at).label("latest"))
               .where(Document.workspace_id == workspace_id,
                      Document.ledger_account.is_not(None),
                      Document.state.in_(HISTORY_STATES)).subquery())
    return (select(directory.c.suppliers, directory.c.revisions, history.c.postings,
                   history.c.latest).select_from(directory).join(history, true()))


# Built once: it runs before every document, and building it cost more than running it.
_KNOWLEDGE_VERSION = _knowledge_version()


def _union(have: list[str], more: tuple[str, ...]) -> list[str]:
    known = {compact(value) for value in have}
    return [*have, *(value for value in more if compact(value) not in known)]


def _drop_identifiers(row: SupplierRow, wanted: set[str]) -> bool:
    """Remove `wanted` identifiers from the row; True when it held one."""
    held = False
    for column in ("vat_ids", "sirens", "sirets", "ibans", "domains"):
        values: list[str] = getattr(row, column)
        kept = [value for value in values if compact(value) not in wanted]
        if len(kept) != len(values):
            setattr(row, column, kept)
            held = True
    return held


def _write(row: SupplierRow, supplier: Supplier) -> None:
    row.legal_name = supplier.legal_name
    row.name_variants = list(supplier.name_variants)
    row.vat_ids, row.sirens = list(supplier.vat_ids), list(supplier.sirens)
    row.sirets, row.ibans = list(supplier.sirets), list(supplier.ibans)
    row.domains = list(supplier.domains)
    row.default_account = supplier.default_account
    row.rule = asdict(supplier.rule)


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
