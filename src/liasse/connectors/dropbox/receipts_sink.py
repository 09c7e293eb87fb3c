"""Dropbox as the `ReceiptSink` of the Qonto receipts export.

Folders are addressed by id (`id:…`) once known, so a folder the user renames is followed;
files are only ever added (mode `add`, no autorename) with their content_hash checked by
Dropbox. Every connector error leaves this module as a `liasse.domain.errors` failure, the
only vocabulary the export service understands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import httpx

from liasse.connectors.dropbox import errors as dropbox_errors
from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.content_hash import content_hash
from liasse.connectors.dropbox.models import FileMetadata, FolderMetadata, Metadata
from liasse.domain.errors import NeedsReconnect, RejectedData, StepFailure, TransientFailure
from liasse.sync.receipts import RemoteFile

_Result = TypeVar("_Result")

MESSAGES = {
    "not_a_folder": "{path} is a file, not a folder",
    "taken": "{path}: a different file is already there",
}


def as_step_failure(exc: Exception) -> Exception:
    """Dropbox's exception tree mapped onto the export's failure kinds."""
    if isinstance(exc, dropbox_errors.NeedsReconnect):
        return NeedsReconnect(str(exc))
    if isinstance(exc, dropbox_errors.DropboxUnavailable | dropbox_errors.DropboxRateLimited
                  | dropbox_errors.ContentHashMismatch | httpx.HTTPError):
        return TransientFailure(str(exc))
    if isinstance(exc, dropbox_errors.DropboxError):
        return RejectedData(str(exc))
    return exc


def translated(call: Callable[[], _Result]) -> _Result:
    try:
        return call()
    except StepFailure:
        raise
    except Exception as exc:
        failure = as_step_failure(exc)
        if failure is exc:
            raise
        raise failure from exc


class DropboxReceiptSink:
    """`liasse.sync.receipts.ReceiptSink` on one Dropbox connection's client."""

    def __init__(self, client: DropboxClient) -> None:
        self.client = client

    def folder_id(self, path: str) -> str | None:
        metadata = self._metadata(path)
        return metadata.id if isinstance(metadata, FolderMetadata) else None

    def path_of_folder(self, folder_id: str) -> str | None:
        metadata = self._metadata(folder_id)
        return metadata.path_display if isinstance(metadata, FolderMetadata) else None

    def create_folder(self, path: str) -> str:
        """Create the folder (Dropbox makes the parents); adopt one already there."""
        def create() -> str:
            try:
                return self.client.create_folder(path).id
            except dropbox_errors.PathConflict:
                existing = self.client.get_metadata(path)
                if isinstance(existing, FolderMetadata):
                    return existing.id
                raise RejectedData(MESSAGES["not_a_folder"].format(path=path)) from None
        return translated(create)

    def file_at(self, path: str) -> RemoteFile | None:
        metadata = self._metadata(path)
        return remote_file(metadata) if isinstance(metadata, FileMetadata) else None

    def write(self, path: str, content: bytes) -> RemoteFile:
        """Add a new file; a different file at `path` is refused, never overwritten."""
        def upload() -> RemoteFile:
            try:
                written = self.client.upload(path, content, content_hash=content_hash(content),
                                             mode="add", autorename=False)
            except dropbox_errors.PathConflict as exc:
                raise RejectedData(MESSAGES["taken"].format(path=path)) from exc
            return remote_file(written)
        return translated(upload)

    def _metadata(self, path: str) -> Metadata | None:
        def lookup() -> Metadata | None:
            try:
                return self.client.get_metadata(path)
            except dropbox_errors.PathNotFound:
                return None
        return translated(lookup)


def remote_file(metadata: FileMetadata) -> RemoteFile:
    # Dropbox always sends content_hash for files; "" never equals a real hash.
    return RemoteFile(id=metadata.id, rev=metadata.rev, content_hash=metadata.content_hash or "")
