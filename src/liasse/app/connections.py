"""Connecting and disconnecting outside systems (the services behind `liasse connect` and
the web app's connection pages).

The CLI works on the default workspace as `user:cli`; the web app passes the workspace
slug and the person acting. A reconnect keeps the connection's name, config and cursor,
and sends the documents that waited for it back to the step that failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx

from liasse.app import actions
from liasse.app.services import Services
from liasse.app.settings import Settings
from liasse.app.wiring import dropbox as dropbox_wiring
from liasse.app.wiring import qonto as qonto_wiring
from liasse.app.wiring import wiring_for
from liasse.app.wiring.secrets import ReconnectFlow
from liasse.connectors.dropbox.check import FolderCheckFailed as FolderCheckFailed
from liasse.connectors.dropbox.check import check_folder
from liasse.connectors.dropbox.client import DropboxClient, RetryPolicy

# The PKCE request a Dropbox connect flow resumes with (the web keeps it between pages).
from liasse.connectors.dropbox.oauth import AuthorizationRequest as AuthorizationRequest
from liasse.connectors.dropbox.oauth import DropboxOAuth, StaticToken
from liasse.connectors.qonto.auth import (
    ApiKeyCredentials,
    Credentials,
    InMemoryCredentialStore,
    OAuthApp,
    OAuthAuth,
    OAuthCredentials,
    authorization_url,
    exchange_code,
)
from liasse.connectors.qonto.client import QontoClient, connect_api_key
from liasse.domain.states import State
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.receipts_repo import ExportSettings, ExportState, receipts_repo_scope
from liasse.store.source_files_repo import SourceFileRepo
from liasse.store.views import ConnectionConfig
from liasse.sync.receipts import validated_settings
from liasse.sync.receipts_plan import next_run_after

CLI_ACTOR = "user:cli"
TEXT = {
    "connected": "{kind} connected",
    "reconnected": "{kind} reconnected",
    "disconnected": "disconnected",
    "bad_api_key": "a Qonto API key looks like <organization-login>:<secret-key>",
}
# A person waits on the check: a short retry, not the windows' patient one.
CHECK_RETRY = RetryPolicy(attempts=2, base_delay=0.5, max_delay=2.0, max_retry_after=5.0)


class NoSuchConnection(LookupError):
    """No connection by that name in the workspace."""


@dataclass(frozen=True)
class DropboxTarget:
    name: str
    folder: str
    recursive: bool = True
    write_back: bool = False
    instant: bool = False
    # History from this date is backfilled in the background (`sync.backfill`).
    backfill_from: date | None = None

    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "folder": self.folder, "recursive": self.recursive,
            "write_back": self.write_back, "mode": "instant" if self.instant else "window"}
        if self.backfill_from is not None:
            config["backfill_from"] = self.backfill_from.isoformat()
        return config

    @classmethod
    def from_config(cls, name: str, config: ConnectionConfig) -> DropboxTarget:
        """The target an existing connection was made with (a reconnect keeps it)."""
        since = config.backfill_from
        return cls(name=name, folder=config.folder, recursive=config.recursive,
                   write_back=config.write_back, instant=config.instant,
                   backfill_from=date.fromisoformat(since) if since else None)


# Keys of a connection's config that record what it did, not what the user chose.
RUN_STATE_KEYS = ("backfill",)


def _upsert_connection(services: Services, kind: str, name: str, config: dict[str, Any], *,
                       slug: str | None = None, actor: str = CLI_ACTOR,
                       keep_cursor: bool = False) -> tuple[str, str]:
    """Create or update the connection, active; `keep_cursor`: kept if the config is the same."""
    with services.repo(ConnectionRepo, slug) as repo:
        documents = DocumentRepo(repo.session, repo.workspace_id)
        connection = repo.connection_by_name(name)
        before: str | None = None
        if connection is None:
            connection = repo.add_connection(kind, name, config)
        else:
            before = connection.status
            # Same folder, same cursor: a reconnect must not list everything again, nor
            # restart a backfill (its progress lives in the config beside the choices).
            progress = {key: connection.config[key] for key in RUN_STATE_KEYS
                        if key in connection.config}
            choices = {k: v for k, v in connection.config.items() if k not in RUN_STATE_KEYS}
            if keep_cursor and choices == config:
                connection.config = {**config, **progress}
            else:
                connection.config, connection.cursor = config, None
        repo.set_connection_status(connection.id, "active", None)
        verb = "reconnected" if before not in (None, "active") else "connected"
        documents.add_audit("connection", connection.id, actor=actor, before=before, after="active",
                            reason=TEXT[verb].format(kind=kind), details=config)
        return repo.workspace_id, connection.id


def check_dropbox_access(services: Services, access_token: str, folder: str) -> None:
    """One real call with the token about to be stored: the token works and the folder is
    there, or `FolderCheckFailed` says which is wrong (nothing is stored then)."""
    with httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0)) as http:
        client = DropboxClient(http, StaticToken(access_token),
                               endpoints=dropbox_wiring.endpoints(services.settings),
                               retry=CHECK_RETRY)
        check_folder(client, folder)


def connect_dropbox_with_token(services: Services, target: DropboxTarget, token: str) -> str:
    """For a long-lived token (the emulator's `--token`, or one generated in Dropbox's app
    console): checked against Dropbox first, then stored encrypted, never refreshed."""
    token = token.strip()
    check_dropbox_access(services, token, target.folder)
    workspace_id, connection_id = _upsert_connection(services, dropbox_wiring.KIND,
                                                     target.name, target.config())
    dropbox_wiring.secret(services, workspace_id, connection_id).save_json(
        {"static_token": token})
    return connection_id


def start_dropbox_oauth(services: Services, *, write_back: bool,
                        redirect_uri: str | None = None,
                        state: str | None = None) -> AuthorizationRequest:
    """The authorize URL and PKCE verifier; nothing is sent anywhere yet."""
    with httpx.Client(timeout=30) as http:
        oauth = DropboxOAuth(http, services.settings.dropbox.app_key,
                             endpoints=dropbox_wiring.endpoints(services.settings))
        return oauth.start(write_back=write_back, redirect_uri=redirect_uri, state=state)


def finish_dropbox_oauth(services: Services, target: DropboxTarget,
                         request: AuthorizationRequest, code: str) -> str:
    return finish_dropbox_oauth_for(services, None, target, request, code)


def finish_dropbox_oauth_for(services: Services, slug: str | None, target: DropboxTarget,
                             request: AuthorizationRequest, code: str, *,
                             actor: str = CLI_ACTOR, reconnect: bool = False) -> str:
    """Exchange the code, keep the tokens encrypted, and mark the connection active.

    The code is exchanged before anything is written: a refused code changes nothing.
    """
    with httpx.Client(timeout=30) as http:
        oauth = DropboxOAuth(http, services.settings.dropbox.app_key,
                             endpoints=dropbox_wiring.endpoints(services.settings))
        tokens = oauth.exchange(code.strip(), request)
    check_dropbox_access(services, tokens.access_token, target.folder)
    workspace_id, connection_id = _upsert_connection(
        services, dropbox_wiring.KIND, target.name, target.config(), slug=slug, actor=actor,
        keep_cursor=reconnect)
    dropbox_wiring.DropboxTokenStore(
        dropbox_wiring.secret(services, workspace_id, connection_id)).save(tokens)
    return connection_id


# --- Qonto ----------------------------------------------------------------------------------


def connect_qonto_api_key(services: Services, api_key: str, *, base_url: str,
                          staging_token: str | None = None, name: str = "qonto",
                          emulator: bool = False, slug: str | None = None,
                          actor: str = CLI_ACTOR) -> str:
    """Check the key against Qonto (or the sandbox), then keep it encrypted.

    Checked first: a refused key raises and leaves no connection behind.
    """
    login, _, secret_key = api_key.strip().partition(":")
    if not login or not secret_key:
        raise ValueError(TEXT["bad_api_key"])
    credentials = ApiKeyCredentials(login, secret_key)
    with httpx.Client(timeout=30) as http:
        connect_api_key(http, credentials, InMemoryCredentialStore(), base_url=base_url,
                        staging_token=staging_token)
    config = _qonto_config(base_url, emulator=emulator, staging_token=staging_token)
    return _save_qonto(services, name, config, credentials, slug=slug, actor=actor)


def _save_qonto(services: Services, name: str, config: dict[str, Any],
                credentials: Credentials, *, slug: str | None, actor: str) -> str:
    """The connection made active, then its credentials kept encrypted; its id."""
    workspace_id, connection_id = _upsert_connection(services, qonto_wiring.KIND, name, config,
                                                     slug=slug, actor=actor)
    qonto_wiring.QontoCredentialStore(
        qonto_wiring.secret(services, workspace_id, connection_id)).save(credentials)
    return connection_id


def _qonto_config(base_url: str, *, emulator: bool, staging_token: str | None = None,
                  auth: str | None = None) -> dict[str, Any]:
    # An emulator is not throttled: its windows may run as often as asked.
    config: dict[str, Any] = {"base_url": base_url, "emulator": emulator,
                              "window_minutes": 0.5 if emulator else 15}
    if staging_token:
        config["staging_token"] = staging_token
    if auth:
        config["auth"] = auth
    return config


qonto_oauth_app = qonto_wiring.oauth_app


def start_qonto_oauth(settings: Settings, *, redirect_uri: str, state: str) -> str:
    """Where to send the owner's browser to grant liasse access to the Qonto account."""
    return authorization_url(qonto_oauth_app(settings, redirect_uri), state)


def finish_qonto_oauth_for(services: Services, slug: str | None, code: str, *,
                           redirect_uri: str, name: str = "qonto", actor: str = CLI_ACTOR,
                           emulator: bool = False) -> str:
    """Exchange the code, check the tokens against the API, then keep them encrypted."""
    settings = services.settings
    app = qonto_oauth_app(settings, redirect_uri)
    with httpx.Client(timeout=30) as http:
        credentials = exchange_code(http, app, code.strip())
        _check_oauth(http, app, credentials, settings.qonto.base_url)
    config = _qonto_config(settings.qonto.base_url, emulator=emulator, auth="oauth")
    return _save_qonto(services, name, config, credentials, slug=slug, actor=actor)


def _check_oauth(http: httpx.Client, app: OAuthApp, credentials: OAuthCredentials,
                 base_url: str) -> None:
    """One call with the fresh token: a wrong API address or scope shows now, not later."""
    auth = OAuthAuth(http, app, InMemoryCredentialStore(credentials))
    QontoClient(http, auth, base_url=base_url).organization()


# --- reconnecting and disconnecting ---------------------------------------------------------


def connection_config(services: Services, slug: str | None, name: str
                      ) -> tuple[str, ConnectionConfig]:
    """The kind and config of a named connection (what a reconnect starts from)."""
    with services.repo(ConnectionRepo, slug) as repo:
        connection = repo.connection_by_name(name)
        if connection is None:
            raise NoSuchConnection(name)
        return connection.kind, connection.read_config()


def reconnect_flow(kind: str, config: ConnectionConfig) -> ReconnectFlow | None:
    """How a person reconnects a connection of this kind: Dropbox's OAuth, Qonto's OAuth,
    or a new Qonto API key typed in the settings; None when it cannot be reconnected."""
    flow = wiring_for(kind).reconnect_flow
    return None if flow is None else flow(config)


def retry_blocked_documents(services: Services, slug: str | None, connection_id: str, *,
                            actor: str = CLI_ACTOR) -> list[str]:
    """After a reconnect: the documents blocked on this connection go back to their step.

    A document is waiting for this connection when one of its files came through it, or,
    for a bank connection, when it is the bank that refused (posting is workspace-wide).
    """
    with services.repo(DocumentRepo, slug) as repo:
        connections = ConnectionRepo(repo.session, repo.workspace_id)
        files = SourceFileRepo(repo.session, repo.workspace_id)
        bank = wiring_for(connections.get_connection(connection_id).kind).is_bank
        retried = []
        for document in repo.documents_in_states([State.BLOCKED_ON_AUTH], limit=10_000):
            if bank or _came_through(files, document.id, connection_id):
                actions.retry_document(repo, document.id, actor=actor)
                retried.append(document.id)
        return retried


def _came_through(repo: SourceFileRepo, document_id: str, connection_id: str) -> bool:
    return any(row.connection_id == connection_id
               for row in repo.source_files_of_document(document_id))


def disconnect(services: Services, name: str, *, slug: str | None = None,
               actor: str = CLI_ACTOR) -> bool:
    """Stop all calls and writes at once; what was already written stays."""
    with services.repo(ConnectionRepo, slug) as repo:
        documents = DocumentRepo(repo.session, repo.workspace_id)
        connection = repo.connection_by_name(name)
        if connection is None:
            return False
        before = connection.status
        repo.set_connection_status(connection.id, "disconnected", None)
        connection.next_sync_at = None  # nothing is planned for it any more
        documents.add_audit("connection", connection.id, actor=actor, before=before,
                            after="disconnected", reason=TEXT["disconnected"])
        workspace_id, connection_id, kind = repo.workspace_id, connection.id, connection.kind
    wiring_for(kind).forget(services, workspace_id, connection_id)
    return True


# --- the Qonto receipts export --------------------------------------------------------------


def _dropbox_connection_id(services: Services, name: str) -> tuple[str, str]:
    with services.repo(ConnectionRepo) as repo:
        connection = repo.connection_by_name(name)
        if connection is None or wiring_for(connection.kind).receipt_sink is None:
            raise ValueError(f"no Dropbox connection named {name!r}: `liasse connect dropbox`")
        return repo.workspace_id, connection.id


def configure_receipts_export(services: Services, dropbox_name: str, settings: ExportSettings
                              ) -> ExportState:
    """Export Qonto receipts into this Dropbox connection from `settings.start_date` on."""
    workspace_id, connection_id = _dropbox_connection_id(services, dropbox_name)
    valid = validated_settings(settings)
    # A new --at moves the run already planned at the old time.
    planned = next_run_after(datetime.now(UTC), valid.schedule_time, valid.timezone)
    with receipts_repo_scope(services.sessions, workspace_id)() as repo:
        return repo.save_settings(connection_id, valid, planned_run_at=planned)


def start_receipts_export(services: Services, dropbox_name: str, *, since: date,
                          by_account: bool, at: str, timezone: str) -> ExportState:
    """`liasse receipts export`: from `since`, filed by ledger account or by date, daily
    at `at` (HH:MM) in `timezone`; ValueError for a time or zone that does not exist."""
    mode = "by_account" if by_account else "by_date"
    return configure_receipts_export(services, dropbox_name,
                                     ExportSettings(since, mode, at, timezone))


def reset_receipts_export(services: Services, dropbox_name: str) -> int:
    """Export everything again (deleted folders are recreated); returns the new generation."""
    workspace_id, connection_id = _dropbox_connection_id(services, dropbox_name)
    with receipts_repo_scope(services.sessions, workspace_id)() as repo:
        return repo.next_generation(connection_id)


def stop_receipts_export(services: Services, dropbox_name: str) -> None:
    workspace_id, connection_id = _dropbox_connection_id(services, dropbox_name)
    with receipts_repo_scope(services.sessions, workspace_id)() as repo:
        repo.set_enabled(connection_id, False)


def retry_connection_now(services: Services, name: str, *, slug: str | None = None,
                         actor: str = CLI_ACTOR) -> bool:
    """Plan an active connection's next window for now (the scheduler takes it at its next
    tick); False when there is no such active connection."""
    with services.repo(DocumentRepo, slug) as repo:
        connections = ConnectionRepo(repo.session, repo.workspace_id)
        connection = connections.connection_by_name(name)
        if connection is None or connection.status != "active":
            return False
        connection.next_sync_at = datetime.now(UTC)
        repo.add_audit("connection", connection.id, actor=actor,
                       reason=f"retry now requested after: {connection.last_error or '-'}")
    return True
