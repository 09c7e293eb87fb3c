"""What people do to documents (the buttons of the web app), each move audited with its actor.

Handlers stay thin: they call these functions inside one transaction (a `WorkspaceRepo`)
and show the `ActionRefused` message when a move is not allowed. Every state change goes
through `domain.states.transition` and `WorkspaceRepo.apply_transition`; field edits write
their own audit event with the value before and after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from liasse.domain.money import Money, MoneyError
from liasse.domain.states import IllegalTransition, State, transition
from liasse.extract.model import FIELD_NAMES
from liasse.store.repo import NotFound, WorkspaceRepo
from liasse.store.tables import Document, utcnow
from liasse.sync import posting
from liasse.sync.pipeline import Pipeline
from liasse.sync.steps import WindowCounts, posting_key

# Once posted, the record in Qonto is the truth: edits would silently diverge from it.
EDITABLE_STATES = frozenset({State.IN_REVIEW, State.REFUSED, State.APPROVED, State.PARKED})
RETRYABLE_STATES = frozenset({State.PARKED, State.BLOCKED_ON_AUTH, State.RETRY_SCHEDULED})
ROUTE_TARGETS = frozenset({State.APPROVED, State.IN_REVIEW, State.REFUSED})
DATE_FIELDS = frozenset({"issue_date", "due_date"})
AMOUNT_FIELDS = frozenset({"net_amount", "tax_amount", "total_amount"})
# The denormalised columns the lists and searches read, kept in step with the fields.
COLUMN_OF_FIELD = {"supplier_name": "supplier_name", "invoice_number": "invoice_number",
                   "issue_date": "issue_date", "currency": "currency"}


class ActionRefused(ValueError):
    """The action is not possible for this document now; the message says why."""


def user_actor(email: str) -> str:
    return f"user:{email}"


def _document(repo: WorkspaceRepo, document_id: str) -> Document:
    try:
        return repo.get_document(document_id)
    except NotFound as exc:
        raise ActionRefused("no such document in this workspace") from exc


def _move(repo: WorkspaceRepo, document: Document, target: State, actor: str, reason: str,
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


def edit_field(repo: WorkspaceRepo, document_id: str, name: str, raw_value: str, *,
               actor: str) -> bool:
    """Correct one extracted field; a person's value is sure (confidence 1). False if unchanged."""
    if name not in FIELD_NAMES:
        raise ActionRefused(f"unknown field {name!r}")
    document = _document(repo, document_id)
    if State(document.state) not in EDITABLE_STATES:
        raise ActionRefused(f"a {document.state} document can no longer be edited")
    value = clean_field_value(name, raw_value)
    extraction = dict(document.extraction or {})
    fields = dict(extraction.get("fields") or {})
    before = (fields.get(name) or {}).get("value")
    if before == value:
        return False
    fields[name] = {"value": value, "confidence": 1.0, "evidence": f"corrected by {actor}"}
    extraction["fields"] = fields
    document.extraction = extraction  # a new dict, so the JSON column sees the change
    _sync_columns(document, name, value)
    document.updated_at = utcnow()
    repo.add_audit("document", document.id, actor=actor, reason=f"{name} corrected",
                   details={"field": name, "before": before, "after": value})
    return True


def _sync_columns(document: Document, name: str, value: str | None) -> None:
    column = COLUMN_OF_FIELD.get(name)
    if column is not None:
        setattr(document, column, value)
    if name in ("total_amount", "currency"):
        total = ((document.extraction or {}).get("fields") or {}).get("total_amount") or {}
        amount = total.get("value")
        currency = document.currency or "EUR"
        document.total_minor = Money.parse(amount, currency).minor if amount else None


# --- decisions ------------------------------------------------------------------------------


def approve(repo: WorkspaceRepo, document_id: str, *, actor: str, reason: str = "") -> None:
    """Approve for posting: the next window (or "post now") posts it like an automatic one."""
    document = _document(repo, document_id)
    _move(repo, document, State.APPROVED, actor, reason.strip() or "approved by a person")


def reject(repo: WorkspaceRepo, document_id: str, *, actor: str, reason: str) -> None:
    if not reason.strip():
        raise ActionRefused("a rejection needs a reason")
    document = _document(repo, document_id)
    _move(repo, document, State.REFUSED, actor, reason.strip())


def send_back_to_review(repo: WorkspaceRepo, document_id: str, *, actor: str,
                        reason: str = "") -> None:
    document = _document(repo, document_id)
    _move(repo, document, State.IN_REVIEW, actor, reason.strip() or "sent back to review")


def override_route(repo: WorkspaceRepo, document_id: str, target: str, *, actor: str,
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
    _move(repo, document, state, actor, f"routing overridden: {reason.strip()}")


@dataclass(frozen=True)
class BulkResult:
    done: tuple[str, ...]
    refused: dict[str, str] = field(default_factory=dict)  # document id → why not


def bulk_approve(repo: WorkspaceRepo, document_ids: Sequence[str], *, actor: str) -> BulkResult:
    """Approve each document that can be; the others are listed with the reason."""
    done: list[str] = []
    refused: dict[str, str] = {}
    for document_id in dict.fromkeys(document_ids):
        try:
            approve(repo, document_id, actor=actor, reason="approved in bulk")
        except ActionRefused as exc:
            refused[document_id] = str(exc)
        else:
            done.append(document_id)
    return BulkResult(tuple(done), refused)


# --- failures -------------------------------------------------------------------------------


def retry_document(repo: WorkspaceRepo, document_id: str, *, actor: str) -> State:
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
    _release_parked_post(repo, document)
    return target


def _release_parked_post(repo: WorkspaceRepo, document: Document) -> None:
    """A parked post intent becomes pending again, under the same idempotency key."""
    try:
        item = repo.outbox_item_by_key(posting_key(repo.workspace_id, document.sha256))
    except NotFound:
        return
    if item.status == "parked":
        item.status, item.next_attempt_at = "pending", None


def retry_outbox_item(repo: WorkspaceRepo, item_id: str, *, actor: str) -> None:
    """Retry a parked outside write; its document, if parked too, resumes with it."""
    try:
        item = repo.get_outbox_item(item_id)
    except NotFound as exc:
        raise ActionRefused("no such outbox item in this workspace") from exc
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
    posting.record_post_intents(pipeline)
    posting.drain_post_outbox(pipeline, counts)
    return counts
