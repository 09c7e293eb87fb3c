"""What people do to documents (the buttons of the web app), each move audited with its actor.

Handlers stay thin: they call these functions inside one transaction (a `DocumentRepo`;
the outbox beside it in the same session) and show the `ActionRefused` message when a
move is not allowed. Every state change goes through `domain.states.transition` and
`DocumentRepo.apply_transition`; field edits write their own audit event with the value
before and after. Supplier changes (rules, renames,
merges) are audited on the supplier, and on each document they touch; match decisions
(confirm, dismiss) on each document of the match.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from liasse.app.directory import follow_supplier_choice
from liasse.domain.extraction import FIELD_NAMES
from liasse.domain.money import Money, MoneyError
from liasse.domain.outcome import approval_blocker
from liasse.domain.pcg import pcg_accounts
from liasse.domain.states import IllegalTransition, State, transition
from liasse.domain.suppliers import Supplier, SupplierRule, normalise_name
from liasse.store.bank_repo import BankRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.match_repo import MatchRepo
from liasse.store.outbox_repo import OutboxRepo
from liasse.store.repo import NotFound
from liasse.store.suppliers_repo import MergeOutcome, SupplierRepo
from liasse.store.tables import Document, MatchRow, utcnow
from liasse.sync import posting
from liasse.sync.pipeline import Pipeline
from liasse.sync.steps import WindowCounts, posting_key

# Once posted, the record in Qonto is the truth: edits would silently diverge from it.
EDITABLE_STATES = frozenset({State.IN_REVIEW, State.REFUSED, State.APPROVED, State.PARKED})
RETRYABLE_STATES = frozenset({State.PARKED, State.BLOCKED_ON_AUTH, State.RETRY_SCHEDULED})
ROUTE_TARGETS = frozenset({State.APPROVED, State.IN_REVIEW, State.REFUSED})
DATE_FIELDS = frozenset({"issue_date", "due_date"})
AMOUNT_FIELDS = frozenset({"net_amount", "tax_amount", "total_amount"})
# A person links a bank line to these; alerts (double charge, duplicate) are only dismissed.
CONFIRMABLE_KINDS = frozenset({"payment", "credit", "confirmation"})
# A payment is linked to an invoice Qonto knows: posted (or already matched).
PAYABLE_STATES = frozenset({State.POSTED, State.MATCHED, State.FILED_BACK})
# The denormalised columns the lists and searches read, kept in step with the fields.
COLUMN_OF_FIELD = {"supplier_name": "supplier_name", "invoice_number": "invoice_number",
                   "issue_date": "issue_date", "currency": "currency"}


_Row = TypeVar("_Row")


class ActionRefused(ValueError):
    """The action is not possible for this document now; the message says why."""


def user_actor(email: str) -> str:
    return f"user:{email}"


def _document(repo: DocumentRepo, document_id: str) -> Document:
    return _found(repo.get_document, document_id, "document")


def _found(get: Callable[[str], _Row], key: str, what: str) -> _Row:
    """The row `get` finds, else a refusal that says what is missing (never another
    workspace's row: the repositories are bound to one)."""
    try:
        return get(key)
    except NotFound as exc:
        raise ActionRefused(f"no such {what} in this workspace") from exc


def _move(repo: DocumentRepo, document: Document, target: State, actor: str, reason: str,
          details: dict[str, Any] | None = None) -> None:
    try:
        move = transition(State(document.state), target, actor=actor, reason=reason)
    except IllegalTransition as exc:
        raise ActionRefused(str(exc)) from exc
    repo.apply_transition(document, move, details)


# --- fields ---------------------------------------------------------------------------------


def clean_field_value(name: str, raw: str) -> str | None:
    """The value as the extraction contract writes it, or ActionRefused if it is not valid."""
    value = raw.strip()
    if not value:
        return None
    if name in DATE_FIELDS:
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError as exc:
            raise ActionRefused(f"{name}: expected a date as YYYY-MM-DD") from exc
    if name in AMOUNT_FIELDS:
        try:
            return Money.parse(value.replace(",", "."), "EUR").format_plain()
        except (MoneyError, ValueError, ArithmeticError) as exc:
            raise ActionRefused(f"{name}: expected an amount like 1234.56") from exc
    if name == "currency":
        if len(value) != 3 or not value.isalpha():
            raise ActionRefused("currency: expected a three-letter code like EUR")
        return value.upper()
    return value


def edit_field(repo: DocumentRepo, document_id: str, name: str, raw_value: str, *,
               actor: str) -> bool:
    """Correct one extracted field; a person's value is sure (confidence 1). False if unchanged."""
    if name not in FIELD_NAMES:
        raise ActionRefused(f"unknown field {name!r}")
    document = _document(repo, document_id)
    if State(document.state) not in EDITABLE_STATES:
        raise ActionRefused(f"a {document.state} document can no longer be edited")
    value = clean_field_value(name, raw_value)
    before = _value_of(document, name)
    if before == value:
        return False
    # The store owns the JSON shape: the correction is written into it as a dict.
    extraction = dict(document.extraction or {})
    fields = dict(extraction.get("fields") or {})
    fields[name] = {"value": value, "confidence": 1.0, "evidence": f"corrected by {actor}"}
    extraction["fields"] = fields
    document.extraction = extraction  # a new dict, so the JSON column sees the change
    _sync_columns(document, name, value)
    document.updated_at = utcnow()
    repo.add_audit("document", document.id, actor=actor, reason=f"{name} corrected",
                   details={"field": name, "before": before, "after": value})
    return True


def _value_of(document: Document, name: str) -> str | None:
    extraction = document.read_extraction()
    return extraction.value(name) if extraction is not None else None


def _sync_columns(document: Document, name: str, value: str | None) -> None:
    column = COLUMN_OF_FIELD.get(name)
    if column is not None:
        setattr(document, column, value)
    if name in ("total_amount", "currency"):
        amount = _value_of(document, "total_amount")
        currency = document.currency or "EUR"
        document.total_minor = Money.parse(amount, currency).minor if amount else None


# --- decisions ------------------------------------------------------------------------------


def approve(repo: DocumentRepo, document_id: str, *, actor: str, reason: str = "") -> None:
    """Approve for posting: the next window (or "post now") posts it like an automatic one."""
    document = _document(repo, document_id)
    _refuse_unapprovable(document)
    _move(repo, document, State.APPROVED, actor, reason.strip() or "approved by a person")


def _refuse_unapprovable(document: Document) -> None:
    """A file liasse could not read would sit approved with nothing to post."""
    blocker = approval_blocker(document.read_extraction())
    if blocker is not None:
        raise ActionRefused(blocker)


def reject(repo: DocumentRepo, document_id: str, *, actor: str, reason: str) -> None:
    if not reason.strip():
        raise ActionRefused("a rejection needs a reason")
    document = _document(repo, document_id)
    _move(repo, document, State.REFUSED, actor, reason.strip())


def send_back_to_review(repo: DocumentRepo, document_id: str, *, actor: str,
                        reason: str = "") -> None:
    document = _document(repo, document_id)
    _move(repo, document, State.IN_REVIEW, actor, reason.strip() or "sent back to review")


def override_route(repo: DocumentRepo, document_id: str, target: str, *, actor: str,
                   reason: str) -> None:
    """Overrule the routing: approve, review or refuse whatever the confidence said."""
    try:
        state = State(target)
    except ValueError as exc:
        raise ActionRefused(f"unknown route {target!r}") from exc
    if state not in ROUTE_TARGETS:
        raise ActionRefused("the route can only be set to approved, in_review or refused")
    if not reason.strip():
        raise ActionRefused("overriding the routing needs a reason")
    document = _document(repo, document_id)
    if state is State.APPROVED:
        _refuse_unapprovable(document)
    _move(repo, document, state, actor, f"routing overridden: {reason.strip()}")


BULK_REASON = "approved in bulk"


@dataclass(frozen=True)
class BulkResult:
    done: tuple[str, ...]
    refused: dict[str, str] = field(default_factory=dict)  # document id → why not


def bulk_approve(repo: DocumentRepo, document_ids: Sequence[str], *, actor: str) -> BulkResult:
    """Approve each document that can be; the others are listed with the reason."""
    return each_document(document_ids, lambda document_id: approve(
        repo, document_id, actor=actor, reason=BULK_REASON))


def each_document(document_ids: Sequence[str], act: Callable[[str], object]) -> BulkResult:
    """`act` on each document once; a refusal is listed with its reason, the rest go on."""
    done: list[str] = []
    refused: dict[str, str] = {}
    for document_id in dict.fromkeys(document_ids):
        try:
            act(document_id)
        except ActionRefused as exc:
            refused[document_id] = str(exc)
        else:
            done.append(document_id)
    return BulkResult(tuple(done), refused)


# --- failures -------------------------------------------------------------------------------


def retry_document(repo: DocumentRepo, document_id: str, *, actor: str) -> State:
    """Send a waiting document back to the step that failed, now; returns its new state."""
    document = _document(repo, document_id)
    current = State(document.state)
    if current not in RETRYABLE_STATES:
        raise ActionRefused(f"a {document.state} document has nothing to retry")
    target = State(document.resume_state or State.FETCHED.value)
    _move(repo, document, target, actor, f"retry requested after: {document.last_error or '?'}",
          {"error": document.last_error})
    document.resume_state = None
    document.next_attempt_at = None
    _release_parked_post(OutboxRepo(repo.session, repo.workspace_id), document)
    return target


def _release_parked_post(repo: OutboxRepo, document: Document) -> None:
    """A parked post intent becomes pending again, under the same idempotency key."""
    try:
        item = repo.outbox_item_by_key(posting_key(repo.workspace_id, document.sha256))
    except NotFound:
        return
    if item.status == "parked":
        item.status, item.next_attempt_at = "pending", None


def retry_outbox_item(repo: DocumentRepo, item_id: str, *, actor: str) -> None:
    """Retry a parked outside write; its document, if parked too, resumes with it."""
    outbox = OutboxRepo(repo.session, repo.workspace_id)
    item = _found(outbox.get_outbox_item, item_id, "outbox item")
    if item.status != "parked":
        raise ActionRefused(f"the outbox item is {item.status}, not parked")
    if item.document_id:
        document = _document(repo, item.document_id)
        if State(document.state) in RETRYABLE_STATES:
            retry_document(repo, document.id, actor=actor)
            return
    item.status, item.next_attempt_at = "pending", None
    repo.add_audit("outbox", item.id, actor=actor, before="parked", after="pending",
                   reason=f"retry requested after: {item.last_error or '?'}")


def post_now(pipeline: Pipeline) -> WindowCounts:
    """Post what is approved without waiting for the end of the window."""
    counts = WindowCounts()
    posting.record_post_intents(pipeline, counts)
    posting.drain_post_outbox(pipeline, counts)
    return counts


# --- suppliers ------------------------------------------------------------------------------


def _supplier(suppliers: SupplierRepo, supplier_id: str) -> Supplier:
    try:
        supplier = suppliers.get(supplier_id)
        if suppliers.resolve_id(supplier_id) != supplier_id:
            raise NotFound(supplier_id)
    except NotFound as exc:
        raise ActionRefused("no such supplier in this workspace") from exc
    return supplier


def check_account(account: str | None) -> str | None:
    """A ledger account from the shipped PCG list (or none), else ActionRefused."""
    value = (account or "").strip()
    if not value:
        return None
    if value not in pcg_accounts():
        raise ActionRefused(f"{value} is not an account of the chart (PCG) liasse knows")
    return value


def _check_thresholds(rule: SupplierRule) -> None:
    for value in (rule.review_from, rule.approve_from):
        if value is not None and not 0.0 <= value <= 1.0:
            raise ActionRefused("thresholds are percentages between 0 and 100")
    if rule.review_from is not None and rule.approve_from is not None \
            and rule.review_from > rule.approve_from:
        raise ActionRefused("“review from” cannot be above “post automatically from”")


def update_supplier_rule(repo: DocumentRepo, suppliers: SupplierRepo, supplier_id: str,
                         rule: SupplierRule, *, actor: str) -> Supplier:
    """Set the supplier's account and routing rule (an unchanged rule writes nothing)."""
    before = _supplier(suppliers, supplier_id)
    rule = SupplierRule(check_account(rule.ledger_account), rule.always_review,
                        rule.approve_from, rule.review_from)
    _check_thresholds(rule)
    if before.rule == rule and before.default_account == rule.ledger_account:
        return before
    after = suppliers.update_rule(supplier_id, rule)
    repo.add_audit("supplier", supplier_id, actor=actor, reason="supplier rule changed",
                   details={"before": asdict(before.rule), "after": asdict(rule)})
    return after


def rename_supplier(repo: DocumentRepo, suppliers: SupplierRepo, supplier_id: str,
                    legal_name: str, *, actor: str) -> Supplier:
    before = _supplier(suppliers, supplier_id)
    if not legal_name.strip():
        raise ActionRefused("a supplier needs a name")
    if before.legal_name == legal_name.strip():
        return before
    after = suppliers.rename(supplier_id, legal_name)
    repo.add_audit("supplier", supplier_id, actor=actor, reason="supplier renamed",
                   details={"field": "legal_name", "before": before.legal_name,
                            "after": after.legal_name})
    return after


def merge_suppliers(repo: DocumentRepo, suppliers: SupplierRepo, keep_id: str,
                    absorbed_id: str, *, actor: str) -> MergeOutcome:
    """One supplier out of two, audited on both and on every document that changes hands."""
    if keep_id == absorbed_id:
        raise ActionRefused("a supplier cannot be merged into itself")
    keep, absorbed = _supplier(suppliers, keep_id), _supplier(suppliers, absorbed_id)
    outcome = suppliers.merge(keep_id, absorbed_id)
    reason = outcome.merge.reasons[0]
    details = {"kept": keep_id, "absorbed": absorbed_id,
               "documents": len(outcome.documents_moved)}
    repo.add_audit("supplier", keep_id, actor=actor, reason=reason, details=details)
    repo.add_audit("supplier", absorbed_id, actor=actor, reason=reason, details=details)
    for document_id in outcome.documents_moved:
        repo.add_audit("document", document_id, actor=actor, reason=reason,
                       details={"field": "supplier", "before": absorbed.legal_name,
                                "after": keep.legal_name})
    return outcome


# --- a document's supplier and account ------------------------------------------------------


def _editable(repo: DocumentRepo, document_id: str) -> Document:
    document = _document(repo, document_id)
    if State(document.state) not in EDITABLE_STATES:
        raise ActionRefused(f"a {document.state} document can no longer be edited")
    return document


def assign_supplier(repo: DocumentRepo, suppliers: SupplierRepo, document_id: str,
                    supplier_id: str, *, actor: str) -> bool:
    """Attribute the document to a known supplier; the name the document wrote is
    remembered as one of the supplier's names, so the next one resolves by itself."""
    document = _editable(repo, document_id)
    supplier = _supplier(suppliers, supplier_id)
    if document.supplier_id == supplier.id:
        return False
    before = document.supplier_name
    written = _value_of(document, "supplier_name")
    if isinstance(written, str) and written.strip() and not _names_previous(
            suppliers, document.supplier_id, written):
        suppliers.add_name_variant(supplier.id, written)
    previous = document.supplier_id
    document.supplier_id, document.supplier_name = supplier.id, supplier.legal_name
    document.updated_at = utcnow()
    follow_supplier_choice(suppliers, document, previous)
    repo.add_audit("document", document.id, actor=actor, reason="supplier chosen by a person",
                   details={"field": "supplier", "before": before, "after": supplier.legal_name,
                            "supplier_id": supplier.id})
    return True


def _names_previous(suppliers: SupplierRepo, previous: str | None, written: str) -> bool:
    """The name read is the wrong supplier's own (often the customer's): not a variant."""
    if previous is None:
        return False
    try:
        names = suppliers.get(previous).names
    except NotFound:
        return False
    return normalise_name(written) in {normalise_name(name) for name in names}


def set_ledger_account(repo: DocumentRepo, document_id: str, account: str, *,
                       actor: str) -> bool:
    """Choose the document's ledger account (PCG); False if it already had it."""
    document = _editable(repo, document_id)
    value = check_account(account)
    if document.ledger_account == value:
        return False
    before = document.ledger_account
    document.ledger_account = value
    document.updated_at = utcnow()
    repo.add_audit("document", document.id, actor=actor, reason="ledger account chosen by a "
                   "person", details={"field": "ledger_account", "before": before,
                                      "after": value})
    return True


# --- bank matches ---------------------------------------------------------------------------


def _match(matches: MatchRepo, match_id: str) -> MatchRow:
    row = _found(matches.get, match_id, "match")
    if row.status != "proposed":
        raise ActionRefused(f"this match is already {row.status}")
    return row


def _match_reason(row: MatchRow, verb: str) -> str:
    return f"{row.kind} {verb} by a person ({row.score:.0%}): " + "; ".join(row.reasons)


def confirm_match(repo: DocumentRepo, matches: MatchRepo, bank: BankRepo, match_id: str, *,
                  actor: str, at: datetime | None = None) -> None:
    """Link a proposed match: posted invoices become matched, the bank line is explained,
    and other proposals for the same bank line are dismissed (it pays only once)."""
    row = _match(matches, match_id)
    if row.kind not in CONFIRMABLE_KINDS:
        raise ActionRefused("an alert cannot be linked: check it, then dismiss it")
    documents = [_document(repo, document_id) for document_id in row.document_ids]
    if row.kind != "confirmation":
        for document in documents:
            if State(document.state) not in PAYABLE_STATES:
                raise ActionRefused(f"{document.file_name} is {document.state}: post it before "
                                    "linking its payment")
    matches.set_status(row.id, "linked")
    reason = _match_reason(row, "confirmed")
    details = {"transaction_id": row.transaction_id, "match_id": row.id, "kind": row.kind}
    for document in documents:
        if document.state == State.POSTED.value:
            _move(repo, document, State.MATCHED, actor, reason, details)
        else:
            repo.add_audit("document", document.id, actor=actor, reason=reason, details=details)
    bank.mark_matched([row.transaction_id], at or utcnow())
    _dismiss_competitors(repo, matches, row, actor)


def _dismiss_competitors(repo: DocumentRepo, matches: MatchRepo, linked: MatchRow,
                         actor: str) -> None:
    for other in matches.for_transaction(linked.transaction_id):
        if other.id != linked.id and other.status == "proposed" \
                and other.kind in CONFIRMABLE_KINDS:
            matches.set_status(other.id, "dismissed")
            for document_id in other.document_ids:
                repo.add_audit("document", document_id, actor=actor,
                               reason="bank line linked to another document",
                               details={"transaction_id": other.transaction_id,
                                        "match_id": other.id, "kind": other.kind})


def dismiss_match(repo: DocumentRepo, matches: MatchRepo, match_id: str, *, actor: str,
                  reason: str = "") -> None:
    """A person says no to a proposed match (or has checked an alert)."""
    row = _match(matches, match_id)
    matches.set_status(row.id, "dismissed")
    why = _match_reason(row, "dismissed") + (f" — {reason.strip()}" if reason.strip() else "")
    for document_id in row.document_ids:
        repo.add_audit("document", document_id, actor=actor, reason=why,
                       details={"transaction_id": row.transaction_id, "match_id": row.id,
                                "kind": row.kind})
