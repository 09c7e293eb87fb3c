"""The pipeline's parts and its per-workspace context, assembled once by `services.py`."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from liasse.domain.ports import (
    DocumentSource,
    DocumentWriter,
    Enricher,
    Extractor,
    InvoicePoster,
    WorkspaceContext,
)
from liasse.store.blobs import BlobStorage

# How long a claim on a document's step or an outbox attempt holds before another window
# or worker may take it over (its holder crashed): longer than any one step takes.
CLAIM_LEASE = timedelta(minutes=10)


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_claim_owner() -> str:
    """An owner id for one pipeline's claims, unique to it."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff for documents whose step failed transiently."""

    max_attempts: int = 5
    first_delay_seconds: float = 30.0
    max_delay_seconds: float = 3600.0

    def delay(self, attempts: int) -> float:
        delay: float = self.first_delay_seconds * 2.0 ** max(attempts - 1, 0)
        return min(delay, self.max_delay_seconds)


class JobSink(Protocol):
    """Where the steps ask for the next job on a queue (procrastinate on PostgreSQL). Each
    call gets the session of the transaction that changed the document's state: the job is
    written in that transaction, so a crash or a rollback keeps or drops both together."""

    def documents_fetched(self, session: Session, document_ids: Sequence[str]) -> None:
        """One read job for these documents (a chunk a fetch stored together)."""
        ...

    def documents_to_post(self, session: Session) -> None: ...


@dataclass(frozen=True)
class Pipeline:
    sessions: sessionmaker[Session]
    blobs: BlobStorage
    context: WorkspaceContext
    sources: Mapping[str, DocumentSource]  # by connection id
    extractor: Extractor | None
    enricher: Enricher
    poster: InvoicePoster | None
    # Write-back per connection id (only connections with write-back enabled).
    writers: Mapping[str, DocumentWriter] = field(default_factory=dict)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # How many documents are read at once (their CPU work runs in child processes).
    extract_workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    clock: Callable[[], datetime] = utc_now
    # Who claims documents and outbox items for this pipeline's steps. The scheduler gives
    # each connection's windows a stable owner, so a restarted process takes back at once
    # what its killed predecessor had claimed; anyone else waits for `CLAIM_LEASE`.
    owner: str = field(default_factory=new_claim_owner)
    # None: the window runs every step itself, in this process (SQLite, `sync --once`).
    # Set: a fetched document becomes a read job and an approval a post job, for workers.
    jobs: JobSink | None = None

    @property
    def workspace_id(self) -> str:
        return self.context.workspace_id
