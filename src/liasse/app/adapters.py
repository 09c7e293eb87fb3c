"""Glue between the connectors and the rest: token stores on the secret store, and sources
whose errors are translated into the pipeline's failure vocabulary (`sync.errors`).

Connectors raise their own exception trees; the pipeline only knows transient, rejected
and needs-reconnect. Translating at this one boundary keeps both sides ignorant of each
other.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import httpx
from sqlalchemy.orm import Session, sessionmaker

from liasse.app.settings import Settings
from liasse.connectors.dropbox import errors as dropbox_errors
from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.endpoints import DropboxEndpoints
from liasse.connectors.dropbox.oauth import (
    AccessTokenProvider,
    DropboxOAuth,
    DropboxTokens,
    StaticToken,
    TokenKeeper,
)
from liasse.connectors.dropbox.source import DropboxSource
from liasse.connectors.qonto.auth import (
    Credentials,
    OAuthApp,
    authenticator_for,
    credentials_from_json,
    credentials_to_json,
)
from liasse.connectors.qonto.client import PRODUCTION_URL, QontoClient
from liasse.connectors.qonto.poster import QontoInvoicePoster
from liasse.domain.errors import NeedsReconnect, StepFailure, TransientFailure
from liasse.domain.ports import ChangePage, DocumentSource, InvoicePoster, SourceEntry
from liasse.store.repo import WorkspaceRepo
from liasse.store.secrets import Keyring, SecretStore

# One lock per connection for the whole process: two workers never refresh at once.
_REFRESH_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def refresh_lock(connection_id: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _REFRESH_LOCKS.setdefault(connection_id, threading.Lock())


class SecretJsonStore:
    """A JSON value kept encrypted under one name in a workspace's secret store."""

    def __init__(self, sessions: sessionmaker[Session], workspace_id: str, keyring: Keyring,
                 name: str) -> None:
        self._sessions = sessions
        self._workspace_id = workspace_id
        self._keyring = keyring
        self.name = name

    def load_json(self) -> dict[str, Any] | None:
        with self._sessions.begin() as session:
            raw = self._store(session).get(self.name)
        return None if raw is None else dict(json.loads(raw))

    def save_json(self, value: dict[str, Any]) -> None:
        with self._sessions.begin() as session:
            self._store(session).put(self.name, json.dumps(value))

    def clear(self) -> None:
        with self._sessions.begin() as session:
            self._store(session).delete(self.name)

    def _store(self, session: Session) -> SecretStore:
        return SecretStore(WorkspaceRepo(session, self._workspace_id), self._keyring)


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


def dropbox_secret_name(connection_id: str) -> str:
    return f"dropbox:{connection_id}"


def dropbox_endpoints(settings: Settings) -> DropboxEndpoints:
    base = settings.dropbox.base_url
    return DropboxEndpoints.single(base) if base else DropboxEndpoints()


def dropbox_client(settings: Settings, secret: SecretJsonStore, connection_id: str,
                   on_needs_reconnect: Callable[[str], None]) -> DropboxClient:
    """A client for one connection: a static token (emulator `--token`) or refreshed OAuth."""
    http = httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0))
    endpoints = dropbox_endpoints(settings)
    stored = secret.load_json() or {}
    auth: AccessTokenProvider
    if "static_token" in stored:
        auth = StaticToken(str(stored["static_token"]), on_needs_reconnect=on_needs_reconnect)
    else:
        oauth = DropboxOAuth(http, settings.dropbox.app_key, endpoints=endpoints)
        auth = TokenKeeper(oauth, DropboxTokenStore(secret), lock=refresh_lock(connection_id),
                           on_needs_reconnect=on_needs_reconnect)
    return DropboxClient(http, auth, endpoints=endpoints)


def translate_dropbox_error(exc: Exception) -> Exception:
    """Dropbox's exception tree mapped onto the pipeline's failure kinds."""
    if isinstance(exc, dropbox_errors.NeedsReconnect):
        return NeedsReconnect(str(exc))
    if isinstance(exc, dropbox_errors.PathNotFound):
        return FileNotFoundError(f"the file vanished from Dropbox: {exc}")
    if isinstance(exc, dropbox_errors.DropboxUnavailable | dropbox_errors.DropboxRateLimited
                  | dropbox_errors.ContentHashMismatch | httpx.HTTPError):
        return TransientFailure(str(exc))
    if isinstance(exc, dropbox_errors.DropboxError):
        return StepFailure(str(exc))
    return exc


class TranslatingSource:
    """A `DocumentSource` whose connector errors come out as pipeline failures."""

    def __init__(self, inner: DocumentSource, translate: Callable[[Exception], Exception]
                 ) -> None:
        self._inner = inner
        self._translate = translate
        self.kind = inner.kind

    def changes(self, cursor: str | None) -> Iterator[ChangePage]:
        try:
            yield from self._inner.changes(cursor)
        except Exception as exc:
            raise self._translated(exc) from exc

    def fetch(self, entry: SourceEntry, sink: BinaryIO) -> None:
        try:
            self._inner.fetch(entry, sink)
        except Exception as exc:
            raise self._translated(exc) from exc

    def _translated(self, exc: Exception) -> Exception:
        translated = self._translate(exc)
        return exc if translated is exc else translated


def dropbox_source(settings: Settings, secret: SecretJsonStore, connection_id: str,
                   config: dict[str, Any], on_needs_reconnect: Callable[[str], None]
                   ) -> DocumentSource:
    client = dropbox_client(settings, secret, connection_id, on_needs_reconnect)
    inner = DropboxSource(client, str(config.get("folder", "")),
                          recursive=bool(config.get("recursive", True)))
    return TranslatingSource(inner, translate_dropbox_error)


# --- Qonto ------------------------------------------------------------------------------------


def qonto_secret_name(connection_id: str) -> str:
    return f"qonto:{connection_id}"


class QontoCredentialStore:
    """`connectors.qonto.auth.CredentialStore` on the encrypted secret store."""

    def __init__(self, secret: SecretJsonStore) -> None:
        self._secret = secret

    def load(self) -> Credentials | None:
        data = self._secret.load_json()
        return None if data is None else credentials_from_json(str(data["credentials"]))

    def save(self, credentials: Credentials) -> None:
        self._secret.save_json({"credentials": credentials_to_json(credentials)})


QONTO_NO_OAUTH_APP = ("Qonto OAuth is not configured: set qonto.oauth.client_id and "
                      "qonto.oauth.client_secret")


def qonto_oauth_app(settings: Settings, redirect_uri: str) -> OAuthApp:
    """liasse's OAuth registration at Qonto, from the settings (ValueError when unset)."""
    oauth = settings.qonto.oauth
    if not oauth.client_id or oauth.client_secret is None:
        raise ValueError(QONTO_NO_OAUTH_APP)
    return OAuthApp(client_id=oauth.client_id,
                    client_secret=oauth.client_secret.get_secret_value(),
                    redirect_uri=redirect_uri, authorize_url=oauth.authorize_url,
                    token_url=oauth.token_url)


def qonto_client(secret: SecretJsonStore, config: dict[str, Any], settings: Settings
                 ) -> QontoClient:
    """A client for one Qonto connection: its API key, or its OAuth tokens refreshed with
    liasse's OAuth registration."""
    http = httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0))
    app = None
    if config.get("auth") == "oauth":
        app = qonto_oauth_app(settings, f"{settings.web.public_url}/oauth/qonto/callback")
    auth = authenticator_for(QontoCredentialStore(secret), http, app)
    return QontoClient(http, auth, base_url=str(config.get("base_url") or PRODUCTION_URL),
                       staging_token=config.get("staging_token"))


def qonto_poster(secret: SecretJsonStore, connection_id: str, config: dict[str, Any],
                 settings: Settings) -> InvoicePoster:
    return QontoInvoicePoster(qonto_client(secret, config, settings), connection_id)
