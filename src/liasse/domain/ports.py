"""Plug points of the pipeline, as Protocols (each has a conformance test).

A `DocumentSource` is a folder liasse watches (local folder, Dropbox). The sync layer, not
the source, persists cursors: it commits each page's cursor with the rows that page
produced, so a crash never skips or double-counts a page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import BinaryIO, Literal, Protocol, runtime_checkable

from liasse.domain.extraction import ExtractionResult


@dataclass(frozen=True)
class SourceEntry:
    """A file (or a deletion) seen in a source.

    `ref` is stable across renames where the source allows it (a Dropbox id); `version`
    changes whenever the content may have changed (a Dropbox rev, an mtime+size).
    """

    ref: str
    path: str
    version: str
    size: int
    modified_at: datetime
    content_hash: str | None = None
    deleted: bool = False
    # Set when the source will not read this entry (a link, a device): why, for people.
    refused: str | None = None


class SourceFileRefused(Exception):
    """The source will not read this entry (not a regular file inside its folder)."""


@dataclass(frozen=True)
class ChangePage:
    """One page of changes and the cursor that resumes right after it.

    `relisted` is True when the source lost its cursor (Dropbox `reset`) and lists
    everything again: the sync layer recognises what it has already seen.
    """

    entries: tuple[SourceEntry, ...]
    cursor: str
    relisted: bool = False


@runtime_checkable
class DocumentSource(Protocol):
    kind: str

    def changes(self, cursor: str | None) -> Iterator[ChangePage]:
        """Pages of changes since `cursor` (None: everything), newest cursor last."""
        ...

    def fetch(self, entry: SourceEntry, sink: BinaryIO) -> None:
        """Stream the entry's content into `sink`; raise if it vanished or is unreadable."""
        ...


# --- the pipeline's other plug points ------------------------------------------------------


@dataclass(frozen=True)
class WorkspaceContext:
    """What steps may know about the workspace they work for (immutable, passed down)."""

    workspace_id: str
    own_names: tuple[str, ...]
    own_identifiers: tuple[str, ...]
    review_from: Decimal
    approve_from: Decimal
    account_currency: str = "EUR"
    # Rates into the account currency for documents in another one (configured table).
    fx_rates: tuple[tuple[str, Decimal], ...] = ()


@runtime_checkable
class Extractor(Protocol):
    def extract(self, data: bytes, *, file_name: str, context: WorkspaceContext
                ) -> ExtractionResult:
        """Never raises for a bad document: the result carries `errors` instead."""
        ...


Route = Literal["refused", "review", "approved"]


@dataclass(frozen=True)
class Enrichment:
    """The decision of the enrich step, with the reasons shown to people."""

    route: Route
    confidence: Decimal
    reasons: tuple[str, ...]
    supplier_name: str | None = None
    ledger_account: str | None = None
    supplier_id: str | None = None
    duplicate_of: str | None = None  # a certain copy of this document: never posted


@runtime_checkable
class Enricher(Protocol):
    def enrich(self, extraction: ExtractionResult, context: WorkspaceContext, *,
               document_id: str) -> Enrichment:
        ...


@dataclass(frozen=True)
class InvoiceToPost:
    document_id: str
    idempotency_key: str
    file_name: str
    content: bytes
    facts: dict[str, str | None]


@dataclass(frozen=True)
class PostResult:
    document_id: str
    remote_id: str | None
    error: str | None = None  # set when Qonto rejected this item (the others may be fine)


@runtime_checkable
class InvoicePoster(Protocol):
    """Posts supplier invoices; a second call with the same key must not post twice."""

    def post(self, invoices: list[InvoiceToPost]) -> list[PostResult]:
        ...


@dataclass(frozen=True)
class FileToWrite:
    """A processed PDF to write back into the watched folder (Dropbox write-back)."""

    document_id: str
    idempotency_key: str
    path: str
    content: bytes


@runtime_checkable
class DocumentWriter(Protocol):
    """Writes files back; writing the same key twice must leave one file."""

    def write(self, file: FileToWrite) -> str:
        """Returns the remote id of the written file."""
        ...
