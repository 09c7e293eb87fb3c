"""Dropbox connections: how a connection becomes a document source, a write-back writer,
an instant-mode longpoll and a firm's client, with one error translation
(`connectors.dropbox.errors.as_step_failure`) between the connector and the pipeline.

A firm's root connection (`firm_root`) only holds the token: its clients' connections
list their folders. A folder tracked by id (`folder_id`, firm folders) is followed when
the user renames or moves it. A connection that writes back skips the folder liasse
writes into, so its own output is never read as a new document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import BinaryIO, TypeVar

import httpx

from liasse.app.services import Services
from liasse.app.settings import Settings
from liasse.app.wiring.secrets import (
    ReconnectFlow,
    SecretJsonStore,
    connection_secret,
    refresh_lock,
)
from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.endpoints import DropboxEndpoints
from liasse.connectors.dropbox.errors import PathNotFound, as_step_failure
from liasse.connectors.dropbox.models import FolderMetadata
from liasse.connectors.dropbox.oauth import (
    AccessTokenProvider,
    DropboxOAuth,
    DropboxTokens,
    StaticToken,
    TokenKeeper,
)
from liasse.connectors.dropbox.receipts_sink import DropboxReceiptSink
from liasse.connectors.dropbox.source import DropboxSource
from liasse.connectors.dropbox.writeback import DropboxWriter
from liasse.domain.errors import RejectedData
from liasse.domain.ports import (
    ChangePage,
    DocumentSource,
    DocumentWriter,
    FileToWrite,
    SourceEntry,
)
from liasse.domain.receipts import ReceiptSink
from liasse.store.tables import Connection
from liasse.store.views import ConnectionConfig
from liasse.sync.instant import LongpollSource
from liasse.sync.writeback import WriteBackConfig, processed_folder

KIND = "dropbox"
MESSAGES = {
    "folder_gone": "the Dropbox folder {folder_id} was deleted",
}
_Result = TypeVar("_Result")


def ignore_reconnect(reason: str) -> None:
    """The step that sees the translated `NeedsReconnect` marks the connection itself."""


def translated(call: Callable[[], _Result], *, strict: bool = False) -> _Result:
    """`call()`, its Dropbox failures raised as the pipeline's (see `as_step_failure`)."""
    try:
        return call()
    except Exception as exc:
        failure = as_step_failure(exc, strict=strict)
        if failure is exc:
            raise
        raise failure from exc


# --- secrets and clients ----------------------------------------------------------------------


class DropboxTokenStore:
    """`connectors.dropbox.oauth.TokenStore` on the encrypted secret store."""

    def __init__(self, secret: SecretJsonStore) -> None:
        self._secret = secret

    def load(self) -> DropboxTokens | None:
        data = self._secret.load_json()
        return None if data is None else DropboxTokens.from_dict(data)

    def save(self, tokens: DropboxTokens) -> None:
        self._secret.save_json(tokens.as_dict())

    def clear(self) -> None:
        self._secret.clear()


def secret(services: Services, workspace_id: str, connection_id: str) -> SecretJsonStore:
    return connection_secret(services, workspace_id, KIND, connection_id)


def endpoints(settings: Settings) -> DropboxEndpoints:
    base = settings.dropbox.base_url
    return DropboxEndpoints.single(base) if base else DropboxEndpoints()


def client_with(settings: Settings, stored: SecretJsonStore, connection_id: str,
                on_needs_reconnect: Callable[[str], None] = ignore_reconnect
                ) -> DropboxClient:
    """A client for one connection: a static token (emulator `--token`) or refreshed OAuth."""
    http = httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0))
    where = endpoints(settings)
    saved = stored.load_json() or {}
    auth: AccessTokenProvider
    if "static_token" in saved:
        auth = StaticToken(str(saved["static_token"]), on_needs_reconnect=on_needs_reconnect)
    else:
        oauth = DropboxOAuth(http, settings.dropbox.app_key, endpoints=where)
        auth = TokenKeeper(oauth, DropboxTokenStore(stored), lock=refresh_lock(connection_id),
                           on_needs_reconnect=on_needs_reconnect)
    return DropboxClient(http, auth, endpoints=where)


def client(services: Services, workspace_id: str, connection_id: str) -> DropboxClient:
    return client_with(services.settings, secret(services, workspace_id, connection_id),
                       connection_id)


def forget(services: Services, workspace_id: str, connection_id: str) -> None:
    """After a disconnect: Dropbox forgets the grant (best effort: a failure, Dropbox
    down, leaves the tokens forgotten here all the same, and the owner can revoke in
    Dropbox's settings), and the tokens are erased."""
    stored = secret(services, workspace_id, connection_id)
    saved = stored.load_json() or {}
    if "access_token" in saved:  # not a static token (emulator), not nothing
        tokens = DropboxTokens.from_dict(saved)
        with httpx.Client(timeout=15) as http:
            DropboxOAuth(http, services.settings.dropbox.app_key,
                         endpoints=endpoints(services.settings)).revoke(tokens.access_token)
    stored.clear()


# --- the document source -------------------------------------------------------------------


class TranslatingSource:
    """A `DocumentSource` whose connector errors come out as pipeline failures."""

    def __init__(self, inner: DocumentSource) -> None:
        self._inner = inner
        self.kind = inner.kind

    def changes(self, cursor: str | None) -> Iterator[ChangePage]:
        try:
            yield from self._inner.changes(cursor)
        except Exception as exc:
            failure = as_step_failure(exc)
            if failure is exc:
                raise
            raise failure from exc

    def fetch(self, entry: SourceEntry, sink: BinaryIO) -> None:
        translated(lambda: self._inner.fetch(entry, sink))


class FolderByIdSource:
    """A Dropbox folder followed by id: each listing starts from where the folder is now.

    Dropbox cursors follow a path, so a cursor taken before a rename stops seeing the
    folder. The cursor kept here remembers the path it was taken for; when the folder has
    moved, the folder is listed again (`relisted`), and the pipeline recognises what it
    already has by id and rev.
    """

    kind = KIND

    def __init__(self, dropbox: DropboxClient, folder_id: str, *, recursive: bool = True
                 ) -> None:
        self.client = dropbox
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


def source(services: Services, workspace_id: str, connection: Connection
           ) -> DocumentSource | None:
    """The connection's folder as the pipeline reads it; None for a firm's root."""
    config = connection.read_config()
    if config.firm_root:
        return None  # the firm's token holder: its clients' folders feed them
    dropbox = client(services, workspace_id, connection.id)
    recursive = config.recursive
    inner: DocumentSource
    if config.folder_id:
        inner = FolderByIdSource(dropbox, config.folder_id, recursive=recursive)
    else:
        inner = DropboxSource(dropbox, config.folder, recursive=recursive)
    found: DocumentSource = TranslatingSource(inner)
    if config.write_back:
        excluded = processed_folder(WriteBackConfig.of(config).pattern)
        if excluded is not None:
            found = SkippingSource(found, excluded)
    return found


def reconnect_flow(config: ConnectionConfig) -> ReconnectFlow:
    return "dropbox_oauth"


def receipt_sink(services: Services, workspace_id: str, connection: Connection
                 ) -> ReceiptSink:
    """The folder the Qonto receipts export files into."""
    return DropboxReceiptSink(client(services, workspace_id, connection.id))


# --- write-back -----------------------------------------------------------------------------


class DropboxDocumentWriter:
    """`DocumentWriter` on `DropboxWriter`; `public_url` is where record links point."""

    def __init__(self, writer: DropboxWriter, public_url: str) -> None:
        self._writer = writer
        self.public_url = public_url

    def write(self, file: FileToWrite) -> str:
        return translated(
            lambda: self._writer.write(file.path, file.content, file.idempotency_key).id,
            strict=True)


def writer(services: Services, workspace_id: str, connection: Connection
           ) -> DocumentWriter | None:
    """A writer for a connection with `write_back: true`; None for the others."""
    if not connection.read_config().write_back:
        return None
    dropbox = client(services, workspace_id, connection.id)
    return DropboxDocumentWriter(DropboxWriter(dropbox), services.settings.web.public_url)


# --- instant mode and backfill --------------------------------------------------------------


class TranslatingLongpoll:
    """Dropbox's longpoll with the pipeline's failures (a dead cursor: `CursorExpired`)."""

    def __init__(self, inner: LongpollSource) -> None:
        self._inner = inner

    def latest_cursor(self) -> str:
        return translated(self._inner.latest_cursor)

    def wait_for_changes(self, cursor: str, timeout: int = 30) -> bool:
        return translated(lambda: self._inner.wait_for_changes(cursor, timeout))


def longpoll(services: Services, workspace_id: str, connection: Connection
             ) -> tuple[LongpollSource, Callable[[str | None], str | None]]:
    """What instant mode waits on for one connection, and how to read the Dropbox cursor
    inside the cursor its windows commit (firm folders wrap it with their path)."""
    config = connection.read_config()
    dropbox = client(services, workspace_id, connection.id)
    recursive = config.recursive
    folder_id = config.folder_id
    if folder_id:
        by_id = FolderByIdSource(dropbox, folder_id, recursive=recursive)
        path = translated(by_id.current_path)
        watched = DropboxSource(dropbox, path, recursive=recursive)

        def inner(cursor: str | None) -> str | None:
            return None if cursor is None else unwrap_cursor(cursor, watched.folder)[0]

        return TranslatingLongpoll(watched), inner
    folder = config.folder
    return TranslatingLongpoll(DropboxSource(dropbox, folder, recursive=recursive)), \
        lambda cursor: cursor


def latest_cursor(services: Services, workspace_id: str, connection: Connection
                  ) -> Callable[[], str]:
    """The folder's latest cursor, in the form the connection's windows store it."""
    config = connection.read_config()
    dropbox = client(services, workspace_id, connection.id)
    recursive = config.recursive
    folder_id = config.folder_id

    def latest() -> str:
        if not folder_id:
            folder = config.folder
            return translated(DropboxSource(dropbox, folder, recursive=recursive).latest_cursor)
        path = translated(FolderByIdSource(dropbox, folder_id,
                                           recursive=recursive).current_path)
        cursor = translated(DropboxSource(dropbox, path, recursive=recursive).latest_cursor)
        return wrap_cursor(path, cursor)

    return latest


