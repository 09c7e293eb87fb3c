"""The pipeline steps: intake → fetch → extract → enrich/route → post (→ match → file back).

Each step is idempotent: it picks up the rows in its input state and moves them on, each
document in its own transaction, so a crash loses at most the document in hand and a
re-run finishes the job. Every move goes through `domain.states.transition` and writes
an audit event.

Several windows (and workers) may run the steps of one workspace at once. A step claims
each document before working on it (a conditional UPDATE: only if it is still in the
step's input state and nobody else's claim runs) and its move is conditional too, so
each document is read, enriched, routed and posted once whoever gets there first.
"""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liasse.domain.errors import NeedsReconnect, RejectedData, StepFailure, TransientFailure
from liasse.domain.extraction import ExtractionResult
from liasse.domain.matching.fx import FxRates
from liasse.domain.money import Money, MoneyError
from liasse.domain.ports import (
    Enrichment,
    Extractor,
    SourceEntry,
    SourceFileRefused,
    WorkspaceContext,
)
from liasse.domain.states import State, Transition, transition
from liasse.store.blobs import StoredBlob
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.repo import StaleState
from liasse.store.source_files_repo import SourceFileRepo
from liasse.store.tables import Document
from liasse.sync.counts import Counts
from liasse.sync.pipeline import CLAIM_LEASE, Pipeline

T = TypeVar("T")
POSTABLE_TYPES = frozenset({"invoice", "credit_note"})
SALES = "sales"
SALES_REASON = ("a sales document (from a Sales documents folder): kept to recognise incoming "
                "payments, never posted as a supplier invoice")
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1d4c1e-9a43-5b55-8f0e-6c6961737365")
POST_BATCH = 20
# The states a read job works from (a job retried after its worker died may find either).
READ_STATES = frozenset({State.FETCHED.value, State.EXTRACTED.value})
# Documents a fetch stores in one transaction, and a read job reads: a job and a
# transaction for each document cost more than the reading (at 8, procrastinate's round
# trips and a job's set-up and statements were still a tenth of a worker's own CPU);
# small enough that a few workers share a first sync evenly (a chunk reads in a second).
READ_CHUNK = 16
# Files of a chunk a fetch for workers downloads at once (sources and the blob store are
# safe to call from several threads; the connectors' token refresh holds a lock).
DOWNLOADS_AT_ONCE = 4


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


@dataclass
class WindowCounts(Counts):
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
        cursor = ConnectionRepo(session, pipeline.workspace_id).get_connection(connection_id).cursor
    try:
        for page in source.changes(cursor):
            with pipeline.sessions.begin() as session:
                repo = ConnectionRepo(session, pipeline.workspace_id)
                files = SourceFileRepo(session, pipeline.workspace_id)
                for entry, recorded in zip(page.entries, files.record_source_files(
                        connection_id, page.entries), strict=True):
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
        ConnectionRepo(session, pipeline.workspace_id).set_connection_status(
            connection_id, status, error
        )


# --- fetch ----------------------------------------------------------------------------------


def fetch(pipeline: Pipeline, counts: WindowCounts) -> None:
    """Copy each discovered file into the blob store and attach it to its document."""
    with pipeline.sessions.begin() as session:
        pending = [
            (row.id, row.connection_id, _entry_of(row))
            for row in SourceFileRepo(session, pipeline.workspace_id).source_files_to_fetch()
        ]
        # Read once for the batch, not once a file: a connection's kind of document.
        connections = ConnectionRepo(session, pipeline.workspace_id)
        kinds = {connection_id: connections.get_connection(connection_id).read_config()
                 .document_kind for connection_id in {item[1] for item in pending}
                 if connection_id in pipeline.sources}
    items = [(_Fetching(file_id, entry, kinds[connection_id]), pipeline.sources[connection_id])
             for file_id, connection_id, entry in pending
             if connection_id in pipeline.sources]  # else not active in this window
    if pipeline.jobs is None:
        for item, source in items:
            _fetch_one(pipeline, item, source, counts)
        return
    for chunk in chunks(items, READ_CHUNK):
        _fetch_chunk(pipeline, chunk, counts)


@dataclass(frozen=True)
class _Fetching:
    file_id: str
    entry: SourceEntry
    document_kind: str | None  # what its connection's folder holds (receipts, sales…)


def _entry_of(row: Any) -> SourceEntry:
    return SourceEntry(ref=row.ref, path=row.path, version=row.version, size=row.size,
                       modified_at=row.modified_at, content_hash=row.content_hash)


def _fetch_one(pipeline: Pipeline, item: _Fetching, source: Any, counts: WindowCounts) -> None:
    stored = _download(pipeline, item, source, counts)
    if stored is None:
        return
    attach = (pipeline, item, *stored, counts)
    try:
        _attach_unless_settled(*attach)
    except IntegrityError:
        # Another worker created the same document a moment ago: this copy is its duplicate.
        _attach_unless_settled(*attach)


def _fetch_chunk(pipeline: Pipeline, chunk: list[tuple[_Fetching, Any]],
                 counts: WindowCounts) -> None:
    """Download a chunk of files, then store their documents and one read job for them in
    one transaction (each file in a savepoint, so one that another window settled first,
    or whose document another worker created a moment ago, costs only its own part)."""
    downloaded = _download_side_by_side(pipeline, chunk, counts)
    if not downloaded:
        return
    with pipeline.sessions.begin() as session:
        created = _attach_chunk(session, pipeline, downloaded, counts)
        if created is None:  # one met another window's work: each file under its savepoint
            created = [document_id for item, (blob, media_type) in downloaded
                       if (document_id := _attach_in_savepoint(
                           session, pipeline, item, blob, media_type, counts)) is not None]
        if created and pipeline.jobs is not None:
            session.flush()  # the job's row refers to documents that exist
            pipeline.jobs.documents_fetched(session, created)


def _download_side_by_side(pipeline: Pipeline, chunk: list[tuple[_Fetching, Any]],
                           counts: WindowCounts) -> list[tuple[_Fetching, tuple[StoredBlob, str]]]:
    """The chunk's files downloaded a few at once, in their order: each mostly waits on the
    source and on the disk's flush, and one after the other they held the window (and a
    worker) for longer than reading them took."""
    def download(pair: tuple[_Fetching, Any]) -> tuple[tuple[StoredBlob, str] | None,
                                                       WindowCounts]:
        mine = WindowCounts()  # counted apart: threads do not share a counter
        return _download(pipeline, pair[0], pair[1], mine), mine

    threads = max(1, min(len(chunk), DOWNLOADS_AT_ONCE))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="liasse-fetch") as pool:
        results = list(pool.map(download, chunk))
    for _, mine in results:
        counts.add(mine, "failed")
    return [(item, stored) for (item, _), (stored, _) in zip(chunk, results, strict=True)
            if stored is not None]


def _attach_chunk(session: Session, pipeline: Pipeline,
                  downloaded: list[tuple[_Fetching, tuple[StoredBlob, str]]],
                  counts: WindowCounts) -> list[str] | None:
    """The chunk's files attached under one savepoint, the documents they may already have
    looked up in one statement (two savepoints and a lookup a file cost more than the
    attaching): the ids created, or None, and nothing written, when another window settled
    one of these files first or created one of their documents meanwhile."""
    counted = WindowCounts()
    settles: list[tuple[str, str, bool]] = []
    try:
        with session.begin_nested():
            known = DocumentRepo(session, pipeline.workspace_id).documents_by_sha256(
                [stored.sha256 for _, (stored, _) in downloaded])
            created = [document_id for item, (stored, media_type) in downloaded
                       if (document_id := _attach_in(session, pipeline, item, stored,
                                                     media_type, counted, known, settles))
                       is not None]
            # The documents, their audit events and the files' settling: a batch each.
            if not SourceFileRepo(session, pipeline.workspace_id).settle_fetched_files(
                    settles):
                raise StaleState("a file of the chunk was fetched by another window")
    except (StaleState, IntegrityError):
        return None
    counts.add(counted, "duplicates")
    return created


def _attach_in_savepoint(session: Session, pipeline: Pipeline, item: _Fetching,
                         stored: StoredBlob, media_type: str, counts: WindowCounts
                         ) -> str | None:
    """`_attach_in` under a savepoint: None, and nothing written, when another window
    settled this very file first (theirs to count); a document created meanwhile by
    another worker with the same content makes this file its duplicate."""
    try:
        with session.begin_nested():
            return _attach_in(session, pipeline, item, stored, media_type, counts)
    except StaleState:
        return None
    except IntegrityError:
        with contextlib.suppress(StaleState), session.begin_nested():
            return _attach_in(session, pipeline, item, stored, media_type, counts)
        return None


def _download(pipeline: Pipeline, item: _Fetching, source: Any, counts: WindowCounts
              ) -> tuple[StoredBlob, str] | None:
    """The file in the blob store, with its media type; None when it could not be read
    (the source file is marked with why)."""
    file_id, entry = item.file_id, item.entry
    try:
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
            source.fetch(entry, spool)
            spool.seek(0)
            head = spool.read(64)
            spool.seek(0)
            return pipeline.blobs.put_stream(spool), sniff_media_type(head)  # type: ignore[arg-type]
    except FileNotFoundError as exc:
        _mark_file(pipeline, file_id, "vanished", str(exc))
    except SourceFileRefused as exc:  # swapped for a link or a device since it was listed
        _mark_file(pipeline, file_id, "refused", str(exc))
    except NeedsReconnect as exc:
        _set_connection(pipeline, entry_connection(pipeline, file_id), "needs_reconnect", str(exc))
        _mark_file(pipeline, file_id, "fetch_failed", f"waiting for a reconnect: {exc}")
    except (OSError, StepFailure) as exc:
        _mark_file(pipeline, file_id, "fetch_failed", f"could not read the file: {exc}")
    counts.failed += 1
    return None


def _attach_unless_settled(pipeline: Pipeline, item: _Fetching, stored: StoredBlob,
                           media_type: str, counts: WindowCounts) -> None:
    # When another window fetched this very file first, it is theirs to count.
    with contextlib.suppress(StaleState):
        _attach_content(pipeline, item, stored, media_type, counts)


def _attach_content(pipeline: Pipeline, item: _Fetching, stored: StoredBlob, media_type: str,
                    counts: WindowCounts) -> None:
    with pipeline.sessions.begin() as session:
        document_id = _attach_in(session, pipeline, item, stored, media_type, counts)
        if document_id is not None and pipeline.jobs is not None:
            session.flush()  # the job's row refers to a document that exists
            pipeline.jobs.documents_fetched(session, [document_id])


def _attach_in(session: Session, pipeline: Pipeline, item: _Fetching, stored: StoredBlob,
               media_type: str, counts: WindowCounts,
               known: dict[str, Document] | None = None,
               settles: list[tuple[str, str, bool]] | None = None) -> str | None:
    """Attach the stored file to its document in the session's transaction: the id of
    the document it created, None when the content was known (a duplicate). `known`: the
    documents by content already looked up, which the one created here joins; `settles`:
    where the file's settling is left for the caller to write (with its chunk's)."""
    file_id, entry = item.file_id, item.entry
    repo = DocumentRepo(session, pipeline.workspace_id)
    files = SourceFileRepo(session, pipeline.workspace_id)

    def settle(document_id: str, *, duplicate: bool) -> None:
        if settles is None:
            _settle(files, file_id, document_id, duplicate=duplicate)
        else:
            settles.append((file_id, document_id, duplicate))

    existing = (repo.document_by_sha256(stored.sha256) if known is None
                else known.get(stored.sha256))
    if existing is not None:
        settle(existing.id, duplicate=True)
        repo.add_audit("document", existing.id, actor="step:fetch",
                       reason=f"the same content arrived again as {entry.path}",
                       details={"source_file_id": file_id})
        counts.duplicates += 1
        return None
    name = entry.path.rsplit("/", 1)[-1]
    document = repo.create_document(sha256=stored.sha256, size=stored.size, file_name=name,
                                    media_type=media_type, actor="step:fetch",
                                    source_kind=item.document_kind, flush=settles is None)
    if known is not None:
        known[stored.sha256] = document  # a second copy in the same chunk is its duplicate
    settle(document.id, duplicate=False)
    return document.id


def _settle(repo: SourceFileRepo, file_id: str, document_id: str, *, duplicate: bool) -> None:
    if not repo.settle_fetched_file(file_id, document_id, duplicate=duplicate):
        raise StaleState(f"source file {file_id} was fetched by another window")


def entry_connection(pipeline: Pipeline, file_id: str) -> str:
    with pipeline.sessions.begin() as session:
        return SourceFileRepo(session, pipeline.workspace_id).get_source_file(file_id).connection_id


def _mark_file(pipeline: Pipeline, file_id: str, status: str, error: str) -> None:
    with pipeline.sessions.begin() as session:
        row = SourceFileRepo(session, pipeline.workspace_id).get_source_file(file_id)
        row.status, row.error = status, error


# --- retries --------------------------------------------------------------------------------


def resume_due_retries(pipeline: Pipeline) -> None:
    """Documents whose backoff has elapsed go back to the step that failed."""
    with pipeline.sessions.begin() as session:
        repo = DocumentRepo(session, pipeline.workspace_id)
        for document in repo.documents_due_for_retry(pipeline.clock()):
            target = State(document.resume_state or State.FETCHED.value)
            try:
                repo.apply_transition(document, transition(
                    State.RETRY_SCHEDULED, target, actor="step:retry",
                    reason=f"retry {document.attempts + 1} after: "
                           f"{document.last_error or 'failure'}",
                ))
            except StaleState:
                continue  # another window resumed it a moment ago (nothing was written)
            document.resume_state = None


def fail_document(pipeline: Pipeline, document_id: str, error: StepFailure, step: str
                  ) -> str | None:
    """Move a document whose step failed to retry, parked or blocked; returns the new state
    (None when someone else moved the document meanwhile: their move stands)."""
    try:
        with pipeline.sessions.begin() as session:
            repo = DocumentRepo(session, pipeline.workspace_id)
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
    except StaleState:
        return None


def claim(pipeline: Pipeline, document_id: str, state: State) -> bool:
    """Claim one document for the step that starts from `state` (committed at once, so
    every other window sees it); False when it is not this window's to work on."""
    now = pipeline.clock()
    with pipeline.sessions.begin() as session:
        return DocumentRepo(session, pipeline.workspace_id).claim_document(
            document_id, state, pipeline.owner, now, now + CLAIM_LEASE)


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
            if fail_document(pipeline, document_id,
                             RejectedData("no extraction engine is configured"), "extract"):
                counts.parked += 1
        return
    extractor = pipeline.extractor

    def read(item: tuple[str, str, str]) -> tuple[str, ExtractionResult | None]:
        return item[0], _claim_and_read(pipeline, extractor, *item)

    with ThreadPoolExecutor(max_workers=max(1, pipeline.extract_workers)) as pool:
        for document_id, result in pool.map(read, pending):
            if result is not None and _store_extraction_step(pipeline, document_id, result):
                counts.extracted += 1


def _claim_and_read(pipeline: Pipeline, extractor: Extractor, document_id: str, sha256: str,
                    file_name: str) -> ExtractionResult | None:
    """Read one claimed document; None when it is another window's (or worker's)."""
    if not claim(pipeline, document_id, State.FETCHED):
        return None
    return extractor.extract(pipeline.blobs.read_bytes(sha256), file_name=file_name,
                             context=pipeline.context)


def read_documents(pipeline: Pipeline, document_ids: Sequence[str], counts: WindowCounts
                   ) -> None:
    """A chunk of documents from fetched to routed: the read job's work, with the
    functions a window uses for its batches. Whatever state each is in, only its own
    steps run.

    Unlike a window, a read job claims its documents once (one statement) and stores what
    was read with what enrichment decided, the same transitions and audit events, in one
    transaction for the chunk: a transaction for each step of each document cost more
    than the reading. Documents are read side by side (`extract_workers`; the reading
    runs in the reader's child processes) while this thread enriches the ones already
    read. A crash before the store leaves the documents fetched under the job's claim,
    and the retried job (same owner) reads them again.
    """
    claimed = _claim_to_read(pipeline, document_ids)
    for item in claimed:
        if item.state is State.EXTRACTED:
            _count_route(counts, _enrich_claimed(pipeline, item.document_id))
    fetched = [item for item in claimed if item.state is State.FETCHED]
    if not fetched:
        return
    if pipeline.extractor is None:
        for item in fetched:
            if fail_document(pipeline, item.document_id,
                             RejectedData("no extraction engine is configured"), "extract"):
                counts.parked += 1
        return
    reads = [(item.document_id, result,
              _decide(pipeline, item.document_id, _as_stored(result), item.source_kind))
             for item, result in _read_side_by_side(pipeline, pipeline.extractor, fetched)]
    if _store_reads(pipeline, reads):
        stored = reads
    else:  # one moved meanwhile (its claim ran out): each on its own, theirs stand
        stored = [read for read in reads if _store_read(pipeline, *read)]
    for _, _, decision in stored:
        counts.extracted += 1
        _count_route(counts, decision.route)


@dataclass(frozen=True)
class _Claimed:
    document_id: str
    state: State
    sha256: str
    file_name: str
    source_kind: str | None


def _claim_to_read(pipeline: Pipeline, document_ids: Sequence[str]) -> list[_Claimed]:
    """Claim those of the documents still to read or route and free, each for the step its
    state calls for; the others are erased since the job was queued, or another's."""
    now = pipeline.clock()
    with pipeline.sessions.begin() as session:
        documents = DocumentRepo(session, pipeline.workspace_id).claim_documents(
            document_ids, [State(state) for state in sorted(READ_STATES)], pipeline.owner,
            now, now + CLAIM_LEASE)
        return [_Claimed(document.id, State(document.state), document.sha256,
                         document.file_name, document.source_kind) for document in documents]


def _read_side_by_side(pipeline: Pipeline, extractor: Extractor, items: list[_Claimed]
                       ) -> Iterator[tuple[_Claimed, ExtractionResult]]:
    def read(item: _Claimed) -> ExtractionResult:
        return extractor.extract(pipeline.blobs.read_bytes(item.sha256),
                                 file_name=item.file_name, context=pipeline.context)

    workers = max(1, min(len(items), pipeline.extract_workers))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="liasse-read") as pool:
        yield from zip(items, pool.map(read, items), strict=True)


def _as_stored(result: ExtractionResult) -> ExtractionResult:
    """The extraction as the enrich step reads it back from the store (its JSON form and
    the page text), so a read job decides on exactly what a window would."""
    return replace(ExtractionResult.from_json(result.to_json()), text=result.text or "")


_Read = tuple[str, ExtractionResult, Enrichment]


def _store_reads(pipeline: Pipeline, reads: list[_Read]) -> bool:
    """Store a chunk's extractions and decisions in one transaction, its documents' rows
    locked first; False (nothing stored) if one of them moved meanwhile."""
    try:
        with pipeline.sessions.begin() as session:
            repo = DocumentRepo(session, pipeline.workspace_id)
            documents = repo.documents_for_update([document_id for document_id, _, _ in reads])
            moves = []
            for document_id, result, decision in reads:
                document = documents.get(document_id)
                if document is None:
                    raise StaleState(f"document {document_id} was erased")
                moves.append((document, [_extraction_move(document, result, pipeline.context),
                                         *_decision_moves(document, decision)]))
            repo.apply_transitions_to_many(moves)
            if pipeline.jobs is not None and any(
                    decision.route == "approved" for _, _, decision in reads):
                pipeline.jobs.documents_to_post(session)
    except StaleState:
        return False
    return True


def _store_read(pipeline: Pipeline, document_id: str, result: ExtractionResult,
                decision: Enrichment) -> bool:
    """Store one extraction and its decision with their transitions; False if the
    document moved meanwhile (its claim ran out and another finished it first)."""
    try:
        with pipeline.sessions.begin() as session:
            repo = DocumentRepo(session, pipeline.workspace_id)
            document = repo.get_document(document_id)
            _record_extraction(repo, document, result, pipeline.context)
            _record_decision(pipeline, session, repo, document, decision)
    except StaleState:
        return False
    return True


def _fetched(pipeline: Pipeline) -> list[tuple[str, str, str]]:
    with pipeline.sessions.begin() as session:
        repo = DocumentRepo(session, pipeline.workspace_id)
        return [(d.id, d.sha256, d.file_name) for d in repo.documents_in_states([State.FETCHED])]


def _store_extraction_step(pipeline: Pipeline, document_id: str, result: ExtractionResult
                           ) -> bool:
    """Store what was read and move the document on; False if it moved meanwhile."""
    try:
        with pipeline.sessions.begin() as session:
            repo = DocumentRepo(session, pipeline.workspace_id)
            _record_extraction(repo, repo.get_document(document_id), result, pipeline.context)
    except StaleState:
        return False
    return True


def _record_extraction(repo: DocumentRepo, document: Document, result: ExtractionResult,
                       context: WorkspaceContext) -> None:
    repo.apply_transition(document, *_extraction_move(document, result, context))


Move = tuple[Transition, dict[str, Any]]


def _extraction_move(document: Document, result: ExtractionResult, context: WorkspaceContext
                     ) -> Move:
    """Set what was read on the document; the move to extracted, with its audit details."""
    _store_extraction(document, result)
    convert_total(document, context)
    summary = f"read by the {result.layer} layer, confidence {result.confidence:.0%}"
    if result.errors:
        summary = f"unreadable: {'; '.join(result.errors)}"
    return transition(State.FETCHED, State.EXTRACTED, actor="step:extract", reason=summary,
                      ), {"warnings": result.warnings, "errors": result.errors}


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
        _count_route(counts, _enrich_one(pipeline, document_id))


def _count_route(counts: WindowCounts, route: str | None) -> None:
    if route == "refused":
        counts.refused += 1
    elif route == "review":
        counts.review += 1
    elif route == "approved":
        counts.approved += 1


def _enrich_one(pipeline: Pipeline, document_id: str) -> str | None:
    """Enrich and route one claimed document; None when it was not this window's."""
    if not claim(pipeline, document_id, State.EXTRACTED):
        return None
    return _enrich_claimed(pipeline, document_id)


def _enrich_claimed(pipeline: Pipeline, document_id: str) -> str | None:
    with pipeline.sessions.begin() as session:
        document = DocumentRepo(session, pipeline.workspace_id).get_document(document_id)
        extraction = replace(document.read_extraction() or ExtractionResult.from_json({}),
                             text=document.text or "")
        source_kind = document.source_kind
    decision = _decide(pipeline, document_id, extraction, source_kind)
    try:
        _store_decision(pipeline, document_id, decision)
    except StaleState:
        return None  # its claim ran out and another window finished it first
    return decision.route


def _decide(pipeline: Pipeline, document_id: str, extraction: ExtractionResult,
            source_kind: str | None) -> Enrichment:
    # Outside any transaction: the enricher reads the directory and may create a supplier.
    decision = pipeline.enricher.enrich(extraction, pipeline.context, document_id=document_id)
    if source_kind == SALES:
        decision = replace(decision, route="review", reasons=(SALES_REASON,))
    return decision


def _store_decision(pipeline: Pipeline, document_id: str, decision: Enrichment) -> None:
    with pipeline.sessions.begin() as session:
        repo = DocumentRepo(session, pipeline.workspace_id)
        _record_decision(pipeline, session, repo, repo.get_document(document_id), decision)


def _record_decision(pipeline: Pipeline, session: Session, repo: DocumentRepo,
                     document: Document, decision: Enrichment) -> None:
    for move, details in _decision_moves(document, decision):
        repo.apply_transition(document, move, details)
    if pipeline.jobs is not None and decision.route == "approved":
        pipeline.jobs.documents_to_post(session)


def _decision_moves(document: Document, decision: Enrichment) -> list[Move]:
    """Set what enrichment decided on the document; the moves to enriched and routed."""
    document.route_reasons = list(decision.reasons)
    # What routing decided on: extraction, supplier, arithmetic and duplicates together
    # (the extraction's own figure stays in `extraction`).
    document.confidence = float(decision.confidence)
    if decision.supplier_name:
        document.supplier_name = decision.supplier_name
    document.supplier_id = decision.supplier_id
    document.ledger_account = decision.ledger_account
    document.duplicate_of = decision.duplicate_of
    return [
        (transition(State.EXTRACTED, State.ENRICHED, actor="step:enrich",
                    reason=f"document confidence {decision.confidence:.0%}"),
         {"ledger_account": decision.ledger_account, "supplier": decision.supplier_name}),
        (transition(State.ENRICHED, ROUTE_STATES[decision.route], actor="step:route",
                    reason="; ".join(decision.reasons) or decision.route),
         {"confidence": str(decision.confidence)}),
    ]


def _ids_in(pipeline: Pipeline, state: State) -> list[str]:
    with pipeline.sessions.begin() as session:
        repo = DocumentRepo(session, pipeline.workspace_id)
        return [document.id for document in repo.documents_in_states([state])]
