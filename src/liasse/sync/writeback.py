"""The write-back step: file each processed PDF into the Dropbox folder it came from, once.

For every connection with a writer (`Pipeline.writers`, only active Dropbox connections
with `write_back: true`), documents that reached the configured point (`write_back_after`:
"posted" by default, or "approved") get an outbox intent whose key is derived from the
workspace, the document's hash and the connection. The intent is then executed through
the writer and marked done with the remote id. A failure stays on the outbox item
(error, attempts, next attempt; parked after the last attempt) and in the audit trail;
it never moves the document, which may already be posted. The user's source file is
never touched: writers only add new files.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from pypdf import PdfReader, PdfWriter

from liasse.domain.errors import NeedsReconnect, RejectedData, StepFailure
from liasse.domain.filing import DEFAULT_PATTERN, processed_path
from liasse.domain.money import Money, MoneyError
from liasse.domain.ports import DocumentWriter, FileToWrite
from liasse.domain.states import State
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.outbox_repo import OutboxRepo
from liasse.store.source_files_repo import SourceFileRepo
from liasse.store.tables import Connection, Document, OutboxItem
from liasse.store.views import OUTBOX_DROPBOX_WRITE, ConnectionConfig, WriteBackPayload
from liasse.sync.counts import Counts
from liasse.sync.pipeline import CLAIM_LEASE, Pipeline
from liasse.sync.steps import WindowCounts

WRITE_BACK_NAMESPACE = uuid.UUID("0b7f3f8e-2d1c-5a8e-9c4b-777269746562")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
ACTOR = "step:write_back"
WriteBackAfter = Literal["approved", "posted"]
POSTED_STATES = (State.POSTED, State.MATCHED, State.FILED_BACK)
READY_STATES: dict[WriteBackAfter, tuple[State, ...]] = {
    "posted": POSTED_STATES,
    "approved": (State.APPROVED, *POSTED_STATES),
}
MESSAGES = {
    "written": "filed back to Dropbox at {path}",
    "failed": "write-back to Dropbox failed (attempt {attempts}), retrying later: {error}",
    "parked": "write-back to Dropbox parked after {attempts} attempts: {error}",
    "blocked": "write-back to Dropbox waits for the connection to be reconnected: {error}",
}

RECORD_KEY = "/LiasseRecord"
QONTO_KEY = "/LiasseQontoId"


def stamp_pdf_metadata(pdf: bytes, record_url: str, qonto_id: str | None) -> bytes:
    """The PDF with liasse's keys in its document info, appended as an incremental update."""
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    entries: dict[str, Any] = {RECORD_KEY: record_url}
    if qonto_id is not None:
        entries[QONTO_KEY] = qonto_id
    writer.add_metadata(entries)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def read_stamp(pdf: bytes) -> dict[str, str]:
    """liasse's keys from a stamped PDF (empty when it was never stamped)."""
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    if metadata is None:
        return {}
    return {key: str(metadata[key]) for key in (RECORD_KEY, QONTO_KEY) if key in metadata}


@dataclass(frozen=True)
class WriteBackConfig:
    """A connection's write-back settings, read from its config."""

    folder: str
    after: WriteBackAfter = "posted"
    pattern: str = DEFAULT_PATTERN

    @classmethod
    def of(cls, config: ConnectionConfig) -> WriteBackConfig:
        return cls(folder=config.folder,
                   after="approved" if config.write_back_after == "approved" else "posted",
                   pattern=config.write_back_pattern or DEFAULT_PATTERN)


def processed_folder(pattern: str) -> str | None:
    """The fixed sub-folder the pattern writes into, e.g. `/processed/` for the default.

    Files liasse writes back must never come in again as new documents (stamped, they
    hash differently): sources of write-back connections skip this sub-folder. None when
    the pattern has no fixed sub-folder under `{folder}`.
    """
    if not pattern.startswith("{folder}/"):
        return None
    fixed = pattern[len("{folder}"):].split("{", 1)[0]
    directory = fixed.rsplit("/", 1)[0]
    return directory.lower() + "/" if directory.strip("/") else None


@dataclass
class WriteBackCounts(Counts):
    written: int = 0
    failed: int = 0
    parked: int = 0


def writeback_key(workspace_id: str, sha256: str, connection_id: str) -> str:
    """One write per document and connection, whatever happens (retries, crashes, re-runs)."""
    return str(uuid.uuid5(WRITE_BACK_NAMESPACE, f"{workspace_id}:{sha256}:{connection_id}"))


def record_url(public_url: str, slug: str, document_id: str) -> str:
    return f"{public_url.rstrip('/')}/w/{slug}/documents/{document_id}"


def write_back(pipeline: Pipeline, counts: WindowCounts | None = None, *,
               public_url: str | None = None) -> WriteBackCounts:
    """Record the intents, then execute what is due; the window calls this after posting."""
    record_write_intents(pipeline)
    result = drain_write_outbox(pipeline, public_url=public_url)
    if counts is not None:
        counts.add(result, "failed", "parked")
    return result


# --- intents --------------------------------------------------------------------------------


def record_write_intents(pipeline: Pipeline) -> int:
    """One outbox intent per ready document and write-back connection; returns how many."""
    created = 0
    with pipeline.sessions.begin() as session:
        repo = ConnectionRepo(session, pipeline.workspace_id)
        for connection_id in pipeline.writers:
            connection = repo.get_connection(connection_id)
            if connection.status != "active" or not connection.read_config().write_back:
                continue
            created += _record_for_connection(
                pipeline, DocumentRepo(session, pipeline.workspace_id), connection)
    return created


def _record_for_connection(pipeline: Pipeline, repo: DocumentRepo,
                           connection: Connection) -> int:
    outbox = OutboxRepo(repo.session, repo.workspace_id)
    files = SourceFileRepo(repo.session, repo.workspace_id)
    config = WriteBackConfig.of(connection.read_config())
    created = 0
    for document in repo.documents_in_states(READY_STATES[config.after]):
        if not _came_from(files, document, connection.id):
            continue
        path = processed_path(config.pattern, config.folder, document_facts(document))
        _, is_new = outbox.enqueue_outbox(
            OUTBOX_DROPBOX_WRITE,
            writeback_key(pipeline.workspace_id, document.sha256, connection.id),
            {"connection_id": connection.id, "path": path, "sha256": document.sha256},
            document_id=document.id,
        )
        created += int(is_new)
    return created


def _came_from(repo: SourceFileRepo, document: Document, connection_id: str) -> bool:
    return any(row.connection_id == connection_id
               for row in repo.source_files_of_document(document.id))


def document_facts(document: Document) -> dict[str, str | None]:
    """The naming facts of `processed_path`, from what extraction and enrichment kept."""
    return {
        "issue_date": document.issue_date,
        "supplier": document.supplier_name,
        "number": document.invoice_number,
        "total": _total_text(document),
        "currency": document.currency,
    }


def _total_text(document: Document) -> str | None:
    if document.total_minor is None:
        return None
    try:
        return Money(document.total_minor, document.currency or "EUR").format_plain()
    except MoneyError:
        return None


# --- execution ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Claimed:
    item_id: str
    document_id: str
    connection_id: str
    file: FileToWrite
    attempts: int


def drain_write_outbox(pipeline: Pipeline, *, public_url: str | None = None
                       ) -> WriteBackCounts:
    """Execute every due write-back intent whose connection can still write."""
    counts = WriteBackCounts()
    blocked: set[str] = set()  # connections that need a reconnect: no more calls this run
    for item_id in _due_item_ids(pipeline):
        claimed = _claim(pipeline, item_id, blocked, public_url)
        if claimed is None:
            continue
        writer = pipeline.writers[claimed.connection_id]
        try:
            remote_id = writer.write(claimed.file)
        except StepFailure as exc:
            _record_failure(pipeline, claimed, exc, counts)
            if isinstance(exc, NeedsReconnect):
                blocked.add(claimed.connection_id)
                _needs_reconnect(pipeline, claimed.connection_id, str(exc))
            continue
        _record_done(pipeline, claimed, remote_id)
        counts.written += 1
    return counts


def _needs_reconnect(pipeline: Pipeline, connection_id: str, error: str) -> None:
    with pipeline.sessions.begin() as session:
        ConnectionRepo(session, pipeline.workspace_id).set_connection_status(
            connection_id, "needs_reconnect", error)


def _due_item_ids(pipeline: Pipeline) -> list[str]:
    with pipeline.sessions.begin() as session:
        repo = OutboxRepo(session, pipeline.workspace_id)
        return [item.id for item in repo.outbox_ready(pipeline.clock(), OUTBOX_DROPBOX_WRITE,
                                                      owner=pipeline.owner)]


def _claim(pipeline: Pipeline, item_id: str, blocked: set[str], public_url: str | None
           ) -> _Claimed | None:
    """Count the attempt and build the file, or None when this item must not be written now."""
    now = pipeline.clock()
    with pipeline.sessions.begin() as session:
        repo = ConnectionRepo(session, pipeline.workspace_id)
        outbox = OutboxRepo(session, pipeline.workspace_id)
        documents = DocumentRepo(session, pipeline.workspace_id)
        item = outbox.get_outbox_item(item_id)
        payload = item.read_payload_as(WriteBackPayload)
        connection_id = payload.connection_id
        if connection_id in blocked or connection_id not in pipeline.writers:
            return None
        # Disconnecting stops all writes at once, even intents recorded before.
        if repo.get_connection(connection_id).status != "active":
            return None
        if not outbox.claim_outbox_item(item.id, now, owner=pipeline.owner,
                                        until=now + CLAIM_LEASE):
            return None  # another window or worker took it
        document = documents.get_document(item.document_id or "")
        link = record_url(_base_url(pipeline.writers[connection_id], public_url),
                          repo.workspace().slug, document.id)
        content = _content(pipeline, document, link)
        return _Claimed(item.id, document.id, connection_id,
                        FileToWrite(document.id, item.idempotency_key,
                                    payload.path, content),
                        item.attempts + 1)


def _base_url(writer: DocumentWriter, public_url: str | None) -> str:
    """The web app's address, from the caller or from the writer built with the settings."""
    if public_url:
        return public_url
    return str(getattr(writer, "public_url", None) or DEFAULT_PUBLIC_URL)


def _content(pipeline: Pipeline, document: Document, link: str) -> bytes:
    original = pipeline.blobs.read_bytes(document.sha256)
    if document.media_type != "application/pdf":
        return original  # only PDFs carry the link; other files are written as they came
    try:
        return stamp_pdf_metadata(original, link, document.qonto_invoice_id)
    except Exception:  # pypdf raises many kinds on damaged files
        # A PDF too damaged to stamp is still worth filing: the original bytes go back.
        return original


def _record_done(pipeline: Pipeline, claimed: _Claimed, remote_id: str) -> None:
    with pipeline.sessions.begin() as session:
        repo = DocumentRepo(session, pipeline.workspace_id)
        outbox = OutboxRepo(session, pipeline.workspace_id)
        item = outbox.get_outbox_item(claimed.item_id)
        item.status, item.remote_id, item.done_at = "done", remote_id, pipeline.clock()
        item.last_error, item.claim_owner = None, None
        repo.add_audit("document", claimed.document_id, actor=ACTOR,
                       reason=MESSAGES["written"].format(path=claimed.file.path),
                       details={"connection_id": claimed.connection_id,
                                "dropbox_id": remote_id, "path": claimed.file.path})


def _record_failure(pipeline: Pipeline, claimed: _Claimed, error: StepFailure,
                    counts: WriteBackCounts) -> None:
    """Keep the failure on the outbox item and in the audit trail; the document stays put."""
    with pipeline.sessions.begin() as session:
        repo = DocumentRepo(session, pipeline.workspace_id)
        outbox = OutboxRepo(session, pipeline.workspace_id)
        item = outbox.get_outbox_item(claimed.item_id)
        item.last_error = str(error)
        message = _apply_failure(pipeline, item, error)
        if item.status == "parked":
            counts.parked += 1
        else:
            counts.failed += 1
        repo.add_audit("document", claimed.document_id, actor=ACTOR,
                       reason=message.format(attempts=item.attempts, error=error),
                       details={"connection_id": claimed.connection_id,
                                "outbox_status": item.status, "attempts": item.attempts})


def _apply_failure(pipeline: Pipeline, item: OutboxItem, error: StepFailure) -> str:
    item.claim_owner = None  # the attempt is over
    if isinstance(error, NeedsReconnect):
        item.next_attempt_at = pipeline.clock()
        return MESSAGES["blocked"]  # stays pending: it goes once the connection is back
    if isinstance(error, RejectedData) or item.attempts >= pipeline.retry.max_attempts:
        item.status = "parked"
        return MESSAGES["parked"]
    delay = pipeline.retry.delay(item.attempts)
    item.next_attempt_at = pipeline.clock() + timedelta(seconds=delay)
    return MESSAGES["failed"]
