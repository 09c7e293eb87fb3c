"""Glue for Dropbox write-back and firm folders: connector objects behind pipeline ports.

`dropbox_writer` turns a write-back connection into a `DocumentWriter` whose connector
errors come out as pipeline failures; `folder_by_id_source` turns a firm-folder
connection (a folder tracked by its Dropbox id) into a `DocumentSource` that keeps working
when the user renames or moves the folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from liasse.app.adapters import (
    SecretJsonStore,
    TranslatingSource,
    dropbox_client,
    dropbox_secret_name,
    translate_dropbox_error,
)
from liasse.app.settings import Settings
from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.errors import DropboxError, PathNotFound
from liasse.connectors.dropbox.models import FolderMetadata
from liasse.connectors.dropbox.source import DropboxSource
from liasse.connectors.dropbox.writeback import DropboxWriter
from liasse.domain.errors import RejectedData, StepFailure
from liasse.domain.ports import (
    ChangePage,
    DocumentSource,
    DocumentWriter,
    FileToWrite,
    SourceEntry,
)
from liasse.store.repo import WorkspaceRepo
from liasse.sync.writeback import WriteBackConfig, processed_folder

if TYPE_CHECKING:
    from liasse.app.services import Services

MESSAGES = {
    "folder_gone": "the Dropbox folder {folder_id} was deleted",
}


class DropboxDocumentWriter:
    """`DocumentWriter` on `DropboxWriter`; `public_url` is where record links point."""

    def __init__(self, writer: DropboxWriter, public_url: str) -> None:
        self._writer = writer
        self.public_url = public_url

    def write(self, file: FileToWrite) -> str:
        try:
            return self._writer.write(file.path, file.content, file.idempotency_key).id
        except Exception as exc:
            raise _as_step_failure(exc) from exc


def _as_step_failure(exc: Exception) -> Exception:
    translated = translate_dropbox_error(exc)
    if isinstance(translated, StepFailure):
        return translated
    if isinstance(exc, DropboxError):
        return RejectedData(str(exc))
    return translated


def dropbox_writer(settings: Settings, secret: SecretJsonStore, connection_id: str,
                   on_needs_reconnect: Callable[[str], None]) -> DropboxDocumentWriter:
    client = dropbox_client(settings, secret, connection_id, on_needs_reconnect)
    return DropboxDocumentWriter(DropboxWriter(client), settings.web.public_url)


# --- folders tracked by id ------------------------------------------------------------------


class FolderByIdSource:
    """A Dropbox folder followed by id: each listing starts from where the folder is now.

    Dropbox cursors follow a path, so a cursor taken before a rename stops seeing the
    folder. The cursor kept here remembers the path it was taken for; when the folder has
    moved, the folder is listed again (`relisted`), and the pipeline recognises what it
    already has by id and rev.
    """

    kind = "dropbox"

    def __init__(self, client: DropboxClient, folder_id: str, *, recursive: bool = True
                 ) -> None:
        self.client = client
        self.folder_id = folder_id
        self.recursive = recursive

    def current_path(self) -> str:
        try:
            metadata = self.client.get_metadata(self.folder_id)
        except PathNotFound as exc:
            raise RejectedData(MESSAGES["folder_gone"].format(folder_id=self.folder_id)) \
                from exc
        if not isinstance(metadata, FolderMetadata):
            raise RejectedData(MESSAGES["folder_gone"].format(folder_id=self.folder_id))
        return metadata.path_display

    def changes(self, cursor: str | None) -> Iterator[ChangePage]:
        path = self.current_path()
        inner_cursor, moved = unwrap_cursor(cursor, path)
        for page in self._source(path).changes(inner_cursor):
            yield ChangePage(page.entries, wrap_cursor(path, page.cursor),
                             page.relisted or moved)

    def fetch(self, entry: SourceEntry, sink: BinaryIO) -> None:
        self._source("").fetch(entry, sink)  # fetched by file id: the folder does not matter

    def _source(self, path: str) -> DropboxSource:
        return DropboxSource(self.client, path, recursive=self.recursive)


def wrap_cursor(path: str, cursor: str) -> str:
    return json.dumps({"folder": path.lower(), "cursor": cursor})


def unwrap_cursor(cursor: str | None, current_path: str) -> tuple[str | None, bool]:
    """The Dropbox cursor to resume with (None: list again) and whether the folder moved."""
    if cursor is None:
        return None, False
    try:
        saved = json.loads(cursor)
        folder, inner = str(saved["folder"]), str(saved["cursor"])
    except (ValueError, KeyError, TypeError):
        return None, True  # not one of ours: list again, nothing is processed twice
    if folder != current_path.lower():
        return None, True
    return inner, False


def folder_by_id_source(settings: Settings, secret: SecretJsonStore, connection_id: str,
                        config: dict[str, Any], on_needs_reconnect: Callable[[str], None]
                        ) -> DocumentSource:
    client = dropbox_client(settings, secret, connection_id, on_needs_reconnect)
    inner = FolderByIdSource(client, str(config["folder_id"]),
                             recursive=bool(config.get("recursive", True)))
    return TranslatingSource(inner, translate_dropbox_error)


# --- what build_pipeline asks for -----------------------------------------------------------


def _secret(services: Services, workspace_id: str, connection_id: str) -> SecretJsonStore:
    return SecretJsonStore(services.sessions, workspace_id, services.keyring(),
                           dropbox_secret_name(connection_id))


def _ignore_reconnect(reason: str) -> None:
    """The step that sees the translated `NeedsReconnect` marks the connection itself."""


def active_writers(services: Services, repo: WorkspaceRepo) -> dict[str, DocumentWriter]:
    """A writer per active Dropbox connection with `write_back: true`; none for the rest."""
    return {
        connection.id: dropbox_writer(services.settings,
                                      _secret(services, repo.workspace_id, connection.id),
                                      connection.id, _ignore_reconnect)
        for connection in repo.list_connections()
        if connection.kind == "dropbox" and connection.status == "active"
        and connection.config.get("write_back")
    }


def dropbox_sources(services: Services, repo: WorkspaceRepo,
                    sources: dict[str, DocumentSource]) -> dict[str, DocumentSource]:
    """`sources` with firm folders followed by id, the firm's own root connection left out
    (its clients' connections list their folders) and write-back folders skipped."""
    result = dict(sources)
    for connection in repo.list_connections():
        if connection.kind != "dropbox" or connection.id not in result:
            continue
        config = dict(connection.config)
        if config.get("firm_root"):
            del result[connection.id]  # the firm's token holder: its clients' folders feed them
            continue
        if config.get("folder_id"):
            result[connection.id] = folder_by_id_source(
                services.settings, _secret(services, repo.workspace_id, connection.id),
                connection.id, config, _ignore_reconnect)
        if config.get("write_back"):
            excluded = processed_folder(WriteBackConfig.of(config).pattern)
            if excluded is not None:
                result[connection.id] = SkippingSource(result[connection.id], excluded)
    return result


class SkippingSource:
    """A source that never reports files under a sub-folder named `excluded`.

    Used for the folder write-back files into: liasse's own output is not a new
    document. Any sub-folder of that name is skipped, wherever the watched folder moved.
    """

    def __init__(self, inner: DocumentSource, excluded: str) -> None:
        self._inner = inner
        self._marker = "/" + excluded.strip("/").lower() + "/"
        self.kind = inner.kind

    def changes(self, cursor: str | None) -> Iterator[ChangePage]:
        for page in self._inner.changes(cursor):
            kept = tuple(entry for entry in page.entries if not self.skips(entry.path))
            yield ChangePage(kept, page.cursor, page.relisted)

    def skips(self, path: str) -> bool:
        return self._marker in path.lower()

    def fetch(self, entry: SourceEntry, sink: BinaryIO) -> None:
        self._inner.fetch(entry, sink)
