"""The post step, through the outbox: record the intent, call Qonto, record the outcome.

Approved invoices are ranked by confidence and recorded as outbox intents with a key
derived from the workspace and the document's hash. The outbox is then drained in
batches; a crash between the call and the bookkeeping leaves the intent pending, and
the next run re-sends it with the same key, which Qonto answers with the first result.

Each attempt is a real claim: the item is leased to this pipeline's owner for
`CLAIM_LEASE`, and a batch holds only the items this pipeline did claim, so two windows
(or workers) draining at once never send the same intent twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from liasse.domain.errors import NeedsReconnect, RejectedData, StepFailure
from liasse.domain.money import Money
from liasse.domain.outcome import POSTED_TYPES, posting_blocker
from liasse.domain.ports import InvoiceToPost, PostResult
from liasse.domain.states import State, Transition, transition
from liasse.store.documents_repo import DocumentRepo
from liasse.store.outbox_repo import OutboxRepo
from liasse.store.repo import StaleState
from liasse.store.tables import Document, OutboxItem
from liasse.store.views import OUTBOX_QONTO_INVOICE, InvoicePostPayload
from liasse.sync.pipeline import CLAIM_LEASE, Pipeline
from liasse.sync.steps import (
    POST_BATCH,
    WindowCounts,
    fail_document,
    posting_key,
)

FACT_FIELDS = ("supplier_name", "supplier_vat_id", "supplier_domain", "invoice_number",
               "issue_date", "due_date", "currency", "total_amount", "tax_amount", "net_amount")


def record_post_intents(pipeline: Pipeline, counts: WindowCounts | None = None) -> int:
    """One outbox intent per approved invoice, best confidence first; returns how many.

    An approved document that cannot be posted (not an invoice, unreadable, a sales
    document) is parked with the reason, never left approved in silence. Receipts and
    payment confirmations wait for the bank line they are attached to."""
    unpostable: list[tuple[str, str]] = []
    with pipeline.sessions.begin() as session:
        repo = DocumentRepo(session, pipeline.workspace_id)
        outbox = OutboxRepo(session, pipeline.workspace_id)
        approved = sorted(repo.documents_in_states([State.APPROVED]),
                          key=lambda document: -(document.confidence or 0.0))
        # The post job runs a pass after each batch while approvals arrive: the intents
        # already recorded are looked up once a pass, not written again one by one.
        intended = set(outbox.outbox_items_by_keys(
            [posting_key(pipeline.workspace_id, document.sha256) for document in approved]))
        intents: list[tuple[str, dict[str, Any], str | None]] = []
        for document in approved:
            extraction = document.read_extraction()
            blocker = posting_blocker(document.document_type, document.source_kind, extraction)
            if blocker is not None and not document.qonto_invoice_id:
                unpostable.append((document.id, blocker))
                continue
            key = posting_key(pipeline.workspace_id, document.sha256)
            if document.document_type not in POSTED_TYPES or document.qonto_invoice_id \
                    or key in intended:
                continue
            facts: dict[str, Any] = {
                name: extraction.value(name) if extraction is not None else None
                for name in FACT_FIELDS}
            if document.converted_minor is not None and document.converted_currency:
                converted = Money(document.converted_minor, document.converted_currency)
                facts["converted_total"] = converted.format_plain()
                facts["converted_currency"] = converted.currency
            intents.append((key, {"sha256": document.sha256, "file_name": document.file_name,
                                  "facts": facts}, document.id))
        # One statement for the pass (a statement an intent cost more than the rest).
        created = len(outbox.enqueue_outbox_many(OUTBOX_QONTO_INVOICE, intents))
    for document_id, blocker in unpostable:
        fail_document(pipeline, document_id, RejectedData(blocker), "post")
        if counts is not None:
            counts.parked += 1
    return created


@dataclass
class _Drain:
    """What one drain has tried: an item goes at most once per drain, whatever came of it."""

    tried: set[str] = field(default_factory=set)


def drain_post_outbox(pipeline: Pipeline, counts: WindowCounts) -> None:
    """Send pending intents in batches of at most `POST_BATCH`."""
    if pipeline.poster is None:
        return  # approved documents wait, visibly, for a Qonto connection
    drain = _Drain()
    while batch := _claim_batch(pipeline, drain):
        try:
            results = pipeline.poster.post(batch)
        except StepFailure as exc:
            _fail_batch(pipeline, batch, exc, counts)
            if isinstance(exc, NeedsReconnect):
                return
            continue
        _record_results(pipeline, results, counts)


def _claim_batch(pipeline: Pipeline, drain: _Drain) -> list[InvoiceToPost]:
    """Claim up to `POST_BATCH` due intents of approved documents; the batch holds only
    those this pipeline really claimed (the files are read after the claims commit)."""
    now = pipeline.clock()
    claimed: list[tuple[str, str, str, str, dict[str, Any]]] = []
    with pipeline.sessions.begin() as session:
        repo = OutboxRepo(session, pipeline.workspace_id)
        documents = DocumentRepo(session, pipeline.workspace_id)
        # Items others hold or that wait are skipped: look further until a batch is full
        # or every due item was tried once.
        while len(claimed) < POST_BATCH and (fresh := [
                item for item in repo.outbox_ready(now, OUTBOX_QONTO_INVOICE,
                                                   limit=POST_BATCH + len(drain.tried),
                                                   owner=pipeline.owner)
                if item.id not in drain.tried]):
            take = fresh[:POST_BATCH - len(claimed)]
            drain.tried.update(item.id for item in take)
            # In one statement each: the documents, then the claims (not two a document).
            approved = documents.documents_by_ids([item.document_id or "" for item in take])
            # A document that is not approved waits for its retry or was sent back to review.
            due = [(item, approved[item.document_id]) for item in take
                   if item.document_id in approved
                   and approved[item.document_id].state == State.APPROVED.value]
            won = repo.claim_outbox_items([item.id for item, _ in due], now,
                                          owner=pipeline.owner, until=now + CLAIM_LEASE)
            # The others: another window or worker is sending them.
            claimed += [(document.id, item.idempotency_key, document.file_name,
                         document.sha256, dict(item.read_payload_as(InvoicePostPayload).facts))
                        for item, document in due if item.id in won]
    return [InvoiceToPost(document_id=document_id, idempotency_key=key, file_name=file_name,
                          content=pipeline.blobs.read_bytes(sha256), facts=facts)
            for document_id, key, file_name, sha256, facts in claimed]


def _record_results(pipeline: Pipeline, results: list[PostResult], counts: WindowCounts) -> None:
    for result in results:
        if result.error is not None:
            _mark_outbox(pipeline, result.document_id, "parked", error=result.error)
            if fail_document(pipeline, result.document_id, RejectedData(result.error), "post"):
                counts.parked += 1
    posted = [result for result in results if result.error is None]
    try:
        _record_posts(pipeline, posted)
    except StaleState:  # one moved meanwhile: each on its own, recorded without its move
        for result in posted:
            try:
                _record_post(pipeline, result)
            except StaleState:
                _record_post(pipeline, result)
    counts.posted += len(posted)


def _record_posts(pipeline: Pipeline, results: list[PostResult]) -> None:
    """`_record_post` for a batch in one transaction, its documents' rows locked first (a
    transaction a posted invoice cost more than the call that posted the batch)."""
    if not results:
        return
    with pipeline.sessions.begin() as session:
        repo = DocumentRepo(session, pipeline.workspace_id)
        documents = repo.documents_for_update([result.document_id for result in results])
        keys = {document.id: posting_key(pipeline.workspace_id, document.sha256)
                for document in documents.values()}
        items = OutboxRepo(session, pipeline.workspace_id).outbox_items_by_keys(
            list(keys.values()))
        moves = []
        for result in results:
            document = documents.get(result.document_id)
            if document is None:
                raise StaleState(f"document {result.document_id} was erased")
            move = _posted(pipeline, repo, document, items[keys[document.id]], result)
            if move is not None:
                moves.append((document, [move]))
        repo.apply_transitions_to_many(moves)  # a batch's moves in a few statements


def _record_post(pipeline: Pipeline, result: PostResult) -> None:
    """Keep Qonto's id and close the intent; the document moves to posted if it is still
    approved (a person or the bank check may have moved it while the call was out: the
    post happened all the same, and the audit trail says so)."""
    with pipeline.sessions.begin() as session:
        repo = DocumentRepo(session, pipeline.workspace_id)
        outbox = OutboxRepo(session, pipeline.workspace_id)
        document = repo.get_document(result.document_id)
        item = outbox.outbox_item_by_key(posting_key(pipeline.workspace_id, document.sha256))
        _record_one_post(pipeline, repo, document, item, result)


def _record_one_post(pipeline: Pipeline, repo: DocumentRepo, document: Document,
                     item: OutboxItem, result: PostResult) -> None:
    move = _posted(pipeline, repo, document, item, result)
    if move is not None:
        repo.apply_transition(document, *move)


def _posted(pipeline: Pipeline, repo: DocumentRepo, document: Document, item: OutboxItem,
            result: PostResult) -> tuple[Transition, dict[str, Any]] | None:
    """Set what the post brought; the move to posted, or None (only an audit event) when
    the document is no longer approved."""
    document.qonto_invoice_id = result.remote_id
    item.status, item.remote_id, item.done_at = "done", result.remote_id, pipeline.clock()
    item.claim_owner = None
    reason = f"posted to Qonto as supplier invoice {result.remote_id}"
    if document.state != State.APPROVED.value:
        repo.add_audit("document", document.id, actor="step:post",
                       reason=f"{reason} (while it was {document.state})",
                       details={"qonto_supplier_invoice_id": result.remote_id})
        return None
    return (transition(State.APPROVED, State.POSTED, actor="step:post", reason=reason),
            {"qonto_supplier_invoice_id": result.remote_id})


def _fail_batch(pipeline: Pipeline, batch: list[InvoiceToPost], error: StepFailure,
                counts: WindowCounts) -> None:
    for invoice in batch:
        state = fail_document(pipeline, invoice.document_id, error, "post")
        if state == State.PARKED.value:
            _mark_outbox(pipeline, invoice.document_id, "parked", error=str(error))
            counts.parked += 1
        else:
            _release(pipeline, invoice.document_id)
            counts.failed += 1


def _release(pipeline: Pipeline, document_id: str) -> None:
    """The attempt is over: the intent goes again when its document is approved again."""
    with pipeline.sessions.begin() as session:
        repo = OutboxRepo(session, pipeline.workspace_id)
        documents = DocumentRepo(session, pipeline.workspace_id)
        document = documents.get_document(document_id)
        item = repo.outbox_item_by_key(posting_key(pipeline.workspace_id, document.sha256))
        repo.release_outbox_item(item.id, pipeline.clock())


def _mark_outbox(pipeline: Pipeline, document_id: str, status: str, *, error: str) -> None:
    with pipeline.sessions.begin() as session:
        repo = DocumentRepo(session, pipeline.workspace_id)
        outbox = OutboxRepo(session, pipeline.workspace_id)
        document = repo.get_document(document_id)
        item = outbox.outbox_item_by_key(posting_key(pipeline.workspace_id, document.sha256))
        item.status, item.last_error, item.claim_owner = status, error, None
