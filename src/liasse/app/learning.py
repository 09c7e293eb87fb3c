"""Learning from corrections: one code path for the review page and `liasse learn`.

A confirmation is a document's values as a person accepted or corrected them, the
supplier they set, the ledger account they chose, or a rejection as "not an invoice".
`learn_confirmation` does three things with it, in the caller's transaction:

1. the directory follows: the confirmed supplier is found (or created) by its name, the
   identifiers printed on the document move to it from whichever supplier held them, and
   a supplier created by mistake (named after the customer, a bare "Sarl") that nothing
   references any more is folded into it;
2. the supplier's memory learns where each value sat on the page (`extract.memory`);
3. the ledger account chosen becomes the supplier's suggested account.

The review page calls `approve_and_learn` / `reject_and_learn`; `liasse learn` calls
`learn_file`; the benchmark calls `learn_pages`: all end in `learn_confirmation`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from sqlalchemy.orm import Session

from liasse.app import actions
from liasse.app.actions import ActionRefused, clean_field_value
from liasse.app.directory import absorb_mistakes, identifiers_of
from liasse.app.pipelines import workspace_context
from liasse.app.services import NoWorkspace, Services
from liasse.domain.extraction import FIELD_NAMES, ExtractedField
from liasse.domain.identifiers import compact
from liasse.domain.suppliers import Supplier, normalise_name
from liasse.extract.candidates import all_candidates
from liasse.extract.cascade import ExtractOptions, extract_document, read_pages
from liasse.extract.fields.geometry import build_layout
from liasse.extract.layout import Page
from liasse.extract.memory import (
    IDENTIFIER_FIELDS,
    Lesson,
    SupplierMemory,
    learn,
)
from liasse.store import repo as store_repo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.memory_repo import MemoryRepo
from liasse.store.suppliers_repo import SupplierRepo
from liasse.store.tables import Document, Workspace, utcnow

# A reason a reviewer writes when the file is no invoice at all (both languages).
_NOT_INVOICE_WORDS = ("not an invoice", "no invoice", "pas une facture", "n'est pas une facture")

Problem = Literal["format", "unknown_field", "bad_value"]


class LearnRefused(ValueError):
    """A confirmation liasse cannot record; `problem` and `name` say which, for the CLI."""

    def __init__(self, problem: Problem, name: str, detail: str = "") -> None:
        super().__init__(detail or f"{problem}: {name}")
        self.problem, self.name, self.detail = problem, name, detail


@dataclass(frozen=True)
class Confirmation:
    confirmed: Mapping[str, str]  # field → value, in the extraction contract's form
    supplier_id: str | None = None  # chosen by a person in the directory
    ledger_account: str | None = None
    not_invoice: bool = False


@dataclass(frozen=True)
class Learned:
    supplier_id: str | None
    supplier_name: str | None
    created: bool = False
    absorbed: tuple[str, ...] = ()  # suppliers created by mistake, folded into this one
    took_from: tuple[str, ...] = ()  # suppliers whose identifiers moved to this one
    reasons: tuple[str, ...] = field(default=())


# --- what a person typed --------------------------------------------------------------------

def parse_sets(pairs: Sequence[str]) -> dict[str, str]:
    """`FIELD=VALUE` pairs as the extraction contract writes them, or LearnRefused."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise LearnRefused("format", pair)
        if name not in FIELD_NAMES:
            raise LearnRefused("unknown_field", name)
        try:
            value = clean_field_value(name, raw)
        except ActionRefused as exc:
            raise LearnRefused("bad_value", name, str(exc)) from exc
        if value is not None:
            values[name] = value
    return values


def confirmed_values(fields: Mapping[str, ExtractedField], sets: Mapping[str, str]
                     ) -> dict[str, str]:
    """What the person confirms: every value read, with theirs over it."""
    values = {name: f.value for name, f in fields.items() if f.value is not None}
    values.update(sets)
    return values


# --- the one code path ----------------------------------------------------------------------

def learn_confirmation(suppliers: SupplierRepo, memories: MemoryRepo, pages: list[Page],
                       confirmation: Confirmation, *, document: Document | None = None
                       ) -> Learned:
    """Let the directory and the supplier's memory follow one confirmed document."""
    previous = document.supplier_id if document is not None else None
    target, created = _confirmed_supplier(suppliers, confirmation, previous)
    if target is None:
        return Learned(None, None, reasons=("no supplier named or identified: nothing learned",))
    took = suppliers.take_identifiers(target.id, identifiers_of(confirmation.confirmed))
    if document is not None and document.supplier_id != target.id:
        document.supplier_id, document.supplier_name = target.id, target.legal_name
        document.updated_at = utcnow()
    absorbed = absorb_mistakes(suppliers, memories, target.id,
                                [*took, *([previous] if previous else [])])
    _remember(memories, target, pages, confirmation)
    if confirmation.ledger_account and not target.rule.ledger_account:
        suppliers.set_default_account(target.id, confirmation.ledger_account)
    return Learned(target.id, target.legal_name, created, tuple(absorbed), tuple(took))


def learn_pages(suppliers: SupplierRepo, memories: MemoryRepo, pages: list[Page],
                fields: Mapping[str, ExtractedField], sets: Mapping[str, str]) -> Learned:
    """`liasse learn` once the file is read: the values read, with the person's over them."""
    return learn_confirmation(suppliers, memories, pages,
                              Confirmation(confirmed_values(fields, sets)))


def _confirmed_supplier(suppliers: SupplierRepo, confirmation: Confirmation,
                        previous: str | None) -> tuple[Supplier | None, bool]:
    if confirmation.supplier_id:
        return suppliers.get(suppliers.resolve_id(confirmation.supplier_id)), False
    name = (confirmation.confirmed.get("supplier_name") or "").strip()
    if not name:
        return (suppliers.get(previous), False) if previous else (
            _by_identifier(suppliers, confirmation.confirmed), False)
    wanted = normalise_name(name)
    for supplier in suppliers.suppliers():
        if wanted and wanted in {normalise_name(n) for n in supplier.names}:
            return supplier, False
    return suppliers.add(Supplier(id="", legal_name=name[:300])), True


def _by_identifier(suppliers: SupplierRepo, confirmed: Mapping[str, str]) -> Supplier | None:
    wanted = {compact(confirmed[n]) for n in IDENTIFIER_FIELDS if confirmed.get(n)}
    for supplier in suppliers.suppliers():
        held = {compact(v) for v in (*supplier.vat_ids, *supplier.sirens, *supplier.sirets,
                                     *supplier.ibans)}
        if wanted & held:
            return supplier
    return None


def _remember(memories: MemoryRepo, supplier: Supplier, pages: list[Page],
              confirmation: Confirmation) -> None:
    layout = build_layout(pages) if pages and any(p.words for p in pages) else None
    candidates = all_candidates(layout) if layout is not None else {}
    memory = memories.memory_of(supplier.id) or SupplierMemory(supplier.id, supplier.legal_name)
    confirmed = dict(confirmation.confirmed)
    confirmed["supplier_name"] = supplier.legal_name if not confirmed.get("supplier_name") \
        else confirmed["supplier_name"]
    lesson = Lesson(confirmed, confirmation.ledger_account, confirmation.not_invoice)
    memories.save(learn(memory, layout, candidates, lesson))


# --- the review page ------------------------------------------------------------------------

def _document_confirmation(document: Document, *, not_invoice: bool = False) -> Confirmation:
    extraction = document.read_extraction()
    fields = extraction.fields if extraction is not None else {}
    confirmed = {name: str(found.value) for name, found in fields.items()
                 if found.value is not None and name in FIELD_NAMES}
    return Confirmation(confirmed, None, document.ledger_account, not_invoice)


def _pages_of(document: Document, read_file: Callable[[str], bytes]) -> list[Page]:
    try:
        data = read_file(document.sha256)
    except Exception:  # the original is gone: the directory still follows, anchors do not
        return []
    return read_pages(data, file=document.file_name).pages


def approve_and_learn(repo: DocumentRepo, suppliers: SupplierRepo, memories: MemoryRepo,
                      read_file: Callable[[str], bytes], document_id: str, *, actor: str,
                      reason: str = "") -> Learned:
    """Approve (with the corrections already saved) and learn from what was approved."""
    actions.approve(repo, document_id, actor=actor, reason=reason)
    document = repo.get_document(document_id)
    learned = learn_confirmation(suppliers, memories, _pages_of(document, read_file),
                                 _document_confirmation(document), document=document)
    _audit(repo, document_id, actor, learned)
    return learned


def bulk_approve_and_learn(repo: DocumentRepo, suppliers: SupplierRepo,
                           memories: MemoryRepo, read_file: Callable[[str], bytes],
                           document_ids: Sequence[str], *, actor: str) -> actions.BulkResult:
    """Approve each document that can be, learning from each as a single approval does:
    a person who approves values in bulk confirms them all the same."""
    return actions.each_document(document_ids, lambda document_id: approve_and_learn(
        repo, suppliers, memories, read_file, document_id, actor=actor,
        reason=actions.BULK_REASON))


def says_not_invoice(reason: str) -> bool:
    plain = reason.lower().replace("’", "'")
    return any(words in plain for words in _NOT_INVOICE_WORDS)


def reject_and_learn(repo: DocumentRepo, suppliers: SupplierRepo, memories: MemoryRepo,
                     read_file: Callable[[str], bytes], document_id: str, *, actor: str,
                     reason: str) -> Learned | None:
    """Reject; a rejection as "not an invoice" is remembered for that supplier's layout."""
    actions.reject(repo, document_id, actor=actor, reason=reason)
    document = repo.get_document(document_id)
    if not says_not_invoice(reason) or document.supplier_id is None:
        return None
    confirmation = Confirmation({}, document.supplier_id, None, not_invoice=True)
    learned = learn_confirmation(suppliers, memories, _pages_of(document, read_file),
                                 confirmation, document=document)
    _audit(repo, document_id, actor, learned)
    return learned


def _audit(repo: DocumentRepo, document_id: str, actor: str, learned: Learned) -> None:
    if learned.supplier_id is None:
        return
    repo.add_audit("document", document_id, actor=actor,
                   reason=f"learned for supplier {learned.supplier_name}",
                   details={"supplier_id": learned.supplier_id,
                            "absorbed": list(learned.absorbed),
                            "identifiers_from": list(learned.took_from)})


# --- the command line -----------------------------------------------------------------------

def _workspace(session: Session, slug: str | None) -> Workspace:
    """The named workspace, else the only one, else the configured default."""
    if slug:
        found = store_repo.find_workspace_by_slug(session, slug)
    else:
        every = store_repo.list_all_workspaces(session)
        found = every[0] if len(every) == 1 else store_repo.find_workspace_by_slug(
            session, "default")
    if found is None:
        raise NoWorkspace(f"workspace {slug or 'default'!r} does not exist: run `liasse init`")
    return found


def reading_context(services: Services, slug: str | None) -> dict[str, Any]:
    """`ExtractOptions` fields that make a read use the workspace's knowledge."""
    with services.sessions.begin() as session:
        workspace = _workspace(session, slug)
        context = workspace_context(workspace, services.settings)
        memories = tuple(MemoryRepo(session, workspace.id).memories())
    return {"own_names": context.own_names, "own_identifiers": context.own_identifiers,
            "memories": memories}


def learn_file(services: Services, slug: str | None, data: bytes, file_name: str,
               sets: Mapping[str, str]) -> Learned:
    """`liasse learn FILE --set …`: read the file as the workspace would, then learn the
    values read with the person's over them, as approving it in review does."""
    options = replace(ExtractOptions(), **reading_context(services, slug))
    result = extract_document(data, file=file_name, options=options)
    pages = read_pages(data, file=file_name, options=options).pages
    with services.sessions.begin() as session:
        workspace = _workspace(session, slug)
        return learn_pages(SupplierRepo(session, workspace.id),
                           MemoryRepo(session, workspace.id), pages, result.fields, sets)


def forget_supplier(repo: DocumentRepo, suppliers: SupplierRepo, memories: MemoryRepo,
                    supplier_id: str, *, actor: str) -> bool:
    """The suppliers page's Forget: what was learned about it goes; audited."""
    try:
        supplier = suppliers.get(supplier_id)
    except LookupError as exc:
        raise ActionRefused("no such supplier in this workspace") from exc
    forgotten = memories.forget(supplier.id)
    if forgotten:
        repo.add_audit("supplier", supplier.id, actor=actor,
                       reason="what liasse learned about this supplier forgotten")
    return forgotten
