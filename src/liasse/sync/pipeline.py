"""The pipeline's parts and its per-workspace context, assembled once by `services.py`."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from liasse.store.blobs import BlobStore
from liasse.sync.ports import (
    DocumentSource,
    DocumentWriter,
    Enricher,
    Extractor,
    InvoicePoster,
    WorkspaceContext,
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff for documents whose step failed transiently."""

    max_attempts: int = 5
    first_delay_seconds: float = 30.0
    max_delay_seconds: float = 3600.0

    def delay(self, attempts: int) -> float:
        delay: float = self.first_delay_seconds * 2.0 ** max(attempts - 1, 0)
        return min(delay, self.max_delay_seconds)


@dataclass(frozen=True)
class Pipeline:
    sessions: sessionmaker[Session]
    blobs: BlobStore
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

    @property
    def workspace_id(self) -> str:
        return self.context.workspace_id
