"""The pipeline steps: intake → fetch → extract → enrich/route → post (→ match → file back).

Each step is idempotent: it picks up the rows in its input state and moves them on, each
document in its own transaction, so a crash loses at most the document in hand and a
re-run finishes the job. Every move goes through `domain.states.transition` and writes
an audit event.
"""

from __future__ import annotations

import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from liasse.domain.matching.fx import FxRates
from liasse.domain.money import Money, MoneyError
from liasse.domain.states import State, transition
from liasse.extract.model import ExtractionResult
from liasse.store.repo import WorkspaceRepo
from liasse.store.tables import Document
from liasse.sync.errors import NeedsReconnect, RejectedData, StepFailure, TransientFailure
from liasse.sync.pipeline import Pipeline
from liasse.sync.ports import SourceEntry, SourceFileRefused, WorkspaceContext

POSTABLE_TYPES = frozenset({"invoice", "credit_note"})
SALES = "sales"
SALES_REASON = ("a sales document (from a Sales documents folder): kept to recognise incoming "
                "payments, never posted as a supplier invoice")
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1d4c1e-9a43-5b55-8f0e-6c6961737365")
OUTBOX_QONTO_INVOICE = "qonto.supplier_invoice"
POST_BATCH = 20


@dataclass
class WindowCounts:
    """What one sync window did; the keys of `liasse sync --once --json`.

    `duplicates` counts files the source reported that liasse already had: the same
    version listed again, or new copies of content it has seen (kept once, linked).
    """

    discovered: int = 0
    duplicates: int = 0
    extracted: int = 0
    refused: int = 0
    review: int = 0
    approved: int = 0
    posted: int = 0
    failed: int = 0
    parked: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def posting_key(workspace_id: str, sha256: str) -> str:
    """The idempotency key of a document's post: the same document never posts twice."""
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{workspace_id}:{sha256}"))


def sniff_media_type(head: bytes) -> str:
    stripped = head.lstrip()
    if head.startswith(b"%PDF"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if stripped.startswith((b"<?xml", b"<")) or stripped.startswith(b"\xef\xbb\xbf<"):
        return "application/xml"
    return "application/octet-stream"


# --- intake ---------------------------------------------------------------------------------


def intake(pipeline: Pipeline, connection_id: str, counts: WindowCounts) -> None:
    """Record every change the source reports, committing each page with its cursor."""
    source = pipeline.sources[connection_id]
    with pipeline.sessions.begin() as session:
        cursor = WorkspaceRepo(session, pipeline.workspace_id).get_connection(connection_id).cursor
    try:
        for page in source.changes(cursor):
            with pipeline.sessions.begin() as session:
                repo = WorkspaceRepo(session, pipeline.workspace_id)
                for entry in page.entries:
                    recorded = repo.record_source_file(connection_id, entry)
                    if entry.deleted:
                        continue
                    if entry.refused:  # recorded once with its reason, never read
                        counts.failed += int(recorded.created)
                    elif recorded.created:
                        counts.discovered += 1
                    else:
                        counts.duplicates += 1  # already had this version: not processed again
                repo.save_cursor(connection_id, page.cursor, pipeline.clock())
    except NeedsReconnect as exc:
        _set_connection(pipeline, connection_id, "needs_reconnect", str(exc))
        raise
    except (StepFailure, OSError) as exc:
        _set_connection(pipeline, connection_id, "active", f"listing failed: {exc}")
        counts.failed += 1
    else:
        _set_connection(pipeline, connection_id, "active", None)


def _set_connection(pipeline: Pipeline, connection_id: str, status: str, error: str | None) -> None:
    with pipeline.sessions.begin() as session:
        WorkspaceRepo(session, pipeline.workspace_id).set_connection_status(
            connection_id, status, error
        )


# --- fetch ----------------------------------------------------------------------------------


def fetch(pipeline: Pipeline, counts: WindowCounts) -> None:
    """Copy each discovered file into the blob store and attach it to its document."""
    with pipeline.sessions.begin() as session:
        pending = [
            (row.id, row.connection_id, _entry_of(row))
            for row in WorkspaceRepo(session, pipeline.workspace_id).source_files_to_fetch()
        ]
    for file_id, connection_id, entry in pending:
        source = pipeline.sources.get(connection_id)
        if source is None:
            continue  # its connection is not active in this window
        _fetch_one(pipeline, file_id, entry, source, counts)


def _entry_of(row: Any) -> SourceEntry:
    return SourceEntry(ref=row.ref, path=row.path, version=row.version, size=row.size,
                       modified_at=row.modified_at, content_hash=row.content_hash)


def _fetch_one(pipeline: Pipeline, file_id: str, entry: SourceEntry, source: Any,
               counts: WindowCounts) -> None:
    try:
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
            source.fetch(entry, spool)
            spool.seek(0)
            head = spool.read(64)
            spool.seek(0)
            stored = pipeline.blobs.put_stream(spool)  # type: ignore[arg-type]
    except FileNotFoundError as exc:
        _mark_file(pipeline, file_id, "vanished", str(exc))
        counts.failed += 1
        return
    except SourceFileRefused as exc:  # swapped for a link or a device since it was listed
        _mark_file(pipeline, file_id, "refused", str(exc))
        counts.failed += 1
        return
    except NeedsReconnect as exc:
        _set_connection(pipeline, entry_connection(pipeline, file_id), "needs_reconnect", str(exc))
        _mark_file(pipeline, file_id, "fetch_failed", f"waiting for a reconnect: {exc}")
        counts.failed += 1
        return
    except (OSError, StepFailure) as exc:
        _mark_file(pipeline, file_id, "fetch_failed", f"could not read the file: {exc}")
        counts.failed += 1
        return
    media_type = sniff_media_type(head)
    try:
        _attach_content(pipeline, file_id, entry, stored.sha256, stored.size, media_type, counts)
    except IntegrityError:
        # Another worker created the same document a moment ago: this copy is its duplicate.
        _attach_content(pipeline, file_id, entry, stored.sha256, stored.size, media_type, counts)


def _attach_content(pipeline: Pipeline, file_id: str, entry: SourceEntry, sha256: str,
                    size: int, media_type: str, counts: WindowCounts) -> None:
    with pipeline.sessions.begin() as session:
        repo = WorkspaceRepo(session, pipeline.workspace_id)
        row = repo.get_source_file(file_id)
        existing = repo.document_by_sha256(sha256)
        if existing is not None:
            row.document_id, row.duplicate, row.status = existing.id, True, "duplicate"
            repo.add_audit("document", existing.id, actor="step:fetch",
                           reason=f"the same content arrived again as {entry.path}",
                           details={"source_file_id": file_id})
            counts.duplicates += 1
            return
        name = entry.path.rsplit("/", 1)[-1]
        document = repo.create_document(sha256=sha256, size=size, file_name=name,
                                        media_type=media_type, actor="step:fetch")
        document.source_kind = repo.get_connection(row.connection_id).config.get("document_kind")
        row.document_id, row.status = document.id, "fetched"


def entry_connection(pipeline: Pipeline, file_id: str) -> str:
    with pipeline.sessions.begin() as session:
        return WorkspaceRepo(session, pipeline.workspace_id).get_source_file(file_id).connection_id


def _mark_file(pipeline: Pipeline, file_id: str, status: str, error: str) -> None:
    with pipeline.sessions.begin() as session:
        row = WorkspaceRepo(session, pipeline.workspace_id).get_source_file(file_id)
        row.status, row.error = status, error


# --- retries --------------------------------------------------------------------------------


def resume_due_retries(pipeline: Pipeline) -> None:
    """Documents whose backoff has elapsed go back to the step that failed."""
    with pipeline.sessions.begin() as session:
        repo = WorkspaceRepo(session, pipeline.workspace_id)
        for document in repo.documents_due_for_retry(pipeline.clock()):
            target = State(document.resume_state or State.FETCHED.value)
            repo.apply_transition(document, transition(
                State.RETRY_SCHEDULED, target, actor="step:retry",
                reason=f"retry {document.attempts + 1} after: {document.last_error or 'failure'}",
            ))
            document.resume_state = None


def fail_document(pipeline: Pipeline, document_id: str, error: StepFailure, step: str) -> str:
    """Move a document whose step failed to retry, parked or blocked; returns the new state."""
    with pipeline.sessions.begin() as session:
        repo = WorkspaceRepo(session, pipeline.workspace_id)
        document = repo.get_document(document_id)
        current = State(document.state)
        document.attempts += 1
        document.last_error = str(error)
        target = _failure_state(pipeline, error, document.attempts)
        if target is State.RETRY_SCHEDULED:
            delay = pipeline.retry.delay(document.attempts)
            document.next_attempt_at = pipeline.clock() + timedelta(seconds=delay)
        document.resume_state = current.value
        repo.apply_transition(document, transition(
            current, target, actor=f"step:{step}", reason=f"{step} failed: {error}",
        ), {"error": str(error), "attempt": document.attempts})
        return target.value


def _failure_state(pipeline: Pipeline, error: StepFailure, attempts: int) -> State:
    if isinstance(error, NeedsReconnect):
        return State.BLOCKED_ON_AUTH
    if isinstance(error, TransientFailure) and attempts < pipeline.retry.max_attempts:
        return State.RETRY_SCHEDULED
    return State.PARKED


# --- extract --------------------------------------------------------------------------------


def convert_total(document: Document, context: WorkspaceContext) -> None:
    """Keep the original total; add its value in the account currency from the rate table."""
    if document.total_minor is None or not document.currency \
            or document.currency == context.account_currency:
        return
    rates = FxRates(context.account_currency, dict(context.fx_rates))
    converted = rates.convert(Money(document.total_minor, document.currency))
    if converted is not None and document.converted_source != "bank":
        document.converted_minor, document.converted_currency = converted.minor, converted.currency
        document.converted_source = "rate"


def extract(pipeline: Pipeline, counts: WindowCounts) -> None:
    """Read every fetched document. Several are read at once (`extract_workers`): the CPU
    work (PDF parsing in its worker process, OCR in Tesseract processes) runs outside this
    process, so both cores work on a batch of scans; results are stored one at a time."""
    pending = _fetched(pipeline)
    if pipeline.extractor is None:
        for document_id, _, _ in pending:
            fail_document(pipeline, document_id,
                          RejectedData("no extraction engine is configured"), "extract")
            counts.parked += 1
        return
    extractor = pipeline.extractor

    def read(item: tuple[str, str, str]) -> tuple[str, ExtractionResult]:
        document_id, sha256, file_name = item
        return document_id, extractor.extract(pipeline.blobs.read_bytes(sha256),
                                              file_name=file_name, context=pipeline.context)

    with ThreadPoolExecutor(max_workers=max(1, pipeline.extract_workers)) as pool:
        for document_id, result in pool.map(read, pending):
            _store_extraction_step(pipeline, document_id, result)
            counts.extracted += 1


def _fetched(pipeline: Pipeline) -> list[tuple[str, str, str]]:
    with pipeline.sessions.begin() as session:
        repo = WorkspaceRepo(session, pipeline.workspace_id)
        return [(d.id, d.sha256, d.file_name) for d in repo.documents_in_states([State.FETCHED])]


def _store_extraction_step(pipeline: Pipeline, document_id: str, result: ExtractionResult
                           ) -> None:
    with pipeline.sessions.begin() as session:
        repo = WorkspaceRepo(session, pipeline.workspace_id)
        document = repo.get_document(document_id)
        _store_extraction(document, result)
        convert_total(document, pipeline.context)
        summary = f"read by the {result.layer} layer, confidence {result.confidence:.0%}"
        if result.errors:
            summary = f"unreadable: {'; '.join(result.errors)}"
        repo.apply_transition(document, transition(
            State.FETCHED, State.EXTRACTED, actor="step:extract", reason=summary,
        ), {"warnings": result.warnings, "errors": result.errors})


def _store_extraction(document: Document, result: ExtractionResult) -> None:
    document.extraction = result.to_json()
    document.text = result.text or None
    document.document_type = result.document_type
    if document.source_kind == "receipt" and result.document_type == "invoice":
        # The folder says receipt: a paid ticket, whatever its title says.
        document.document_type = "receipt"
    document.confidence = result.confidence
    document.supplier_name = result.value("supplier_name")
    document.invoice_number = result.value("invoice_number")
    document.issue_date = result.value("issue_date")
    document.currency = result.value("currency")
    total = result.value("total_amount")
    try:
        currency = document.currency or "EUR"
        document.total_minor = Money.parse(total, currency).minor if total else None
    except MoneyError:
        document.total_minor = None


# --- enrich and route -----------------------------------------------------------------------


ROUTE_STATES = {"refused": State.REFUSED, "review": State.IN_REVIEW, "approved": State.APPROVED}


def enrich_and_route(pipeline: Pipeline, counts: WindowCounts) -> None:
    for document_id in _ids_in(pipeline, State.EXTRACTED):
        route = _enrich_one(pipeline, document_id)
        if route == "refused":
            counts.refused += 1
        elif route == "review":
            counts.review += 1
        else:
            counts.approved += 1


def _enrich_one(pipeline: Pipeline, document_id: str) -> str:
    with pipeline.sessions.begin() as session:
        repo = WorkspaceRepo(session, pipeline.workspace_id)
        document = repo.get_document(document_id)
        extraction = replace(ExtractionResult.from_json(document.extraction or {}),
                             text=document.text or "")
        decision = pipeline.enricher.enrich(extraction, pipeline.context,
                                            document_id=document_id)
        if document.source_kind == SALES:
            decision = replace(decision, route="review", reasons=(SALES_REASON,))
        document.route_reasons = list(decision.reasons)
        # What routing decided on: extraction, supplier, arithmetic and duplicates together
        # (the extraction's own figure stays in `extraction`).
        document.confidence = float(decision.confidence)
        if decision.supplier_name:
            document.supplier_name = decision.supplier_name
        document.supplier_id = decision.supplier_id
        document.ledger_account = decision.ledger_account
        document.duplicate_of = decision.duplicate_of
        repo.apply_transition(document, transition(
            State.EXTRACTED, State.ENRICHED, actor="step:enrich",
            reason=f"document confidence {decision.confidence:.0%}",
        ), {"ledger_account": decision.ledger_account, "supplier": decision.supplier_name})
        repo.apply_transition(document, transition(
            State.ENRICHED, ROUTE_STATES[decision.route], actor="step:route",
            reason="; ".join(decision.reasons) or decision.route,
        ), {"confidence": str(decision.confidence)})
        return decision.route


def _ids_in(pipeline: Pipeline, state: State) -> list[str]:
    with pipeline.sessions.begin() as session:
        repo = WorkspaceRepo(session, pipeline.workspace_id)
        return [document.id for document in repo.documents_in_states([state])]
