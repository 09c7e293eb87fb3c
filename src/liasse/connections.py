"""Connecting and disconnecting outside systems (the services behind `liasse connect`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from liasse import adapters
from liasse.connectors.dropbox.oauth import AuthorizationRequest, DropboxOAuth
from liasse.connectors.qonto.auth import ApiKeyCredentials
from liasse.connectors.qonto.client import connect_api_key
from liasse.services import Services
from liasse.store.receipts_repo import ExportSettings, ExportState, receipts_repo_scope
from liasse.sync.receipts import validated_settings


@dataclass(frozen=True)
class DropboxTarget:
    name: str
    folder: str
    recursive: bool = True
    write_back: bool = False
    instant: bool = False

    def config(self) -> dict[str, Any]:
        return {"folder": self.folder, "recursive": self.recursive,
                "write_back": self.write_back, "mode": "instant" if self.instant else "window"}


def _upsert_connection(services: Services, kind: str, name: str, config: dict[str, Any]
                       ) -> tuple[str, str]:
    with services.workspace_repo() as repo:
        connection = repo.connection_by_name(name)
        if connection is None:
            connection = repo.add_connection(kind, name, config)
        else:
            connection.config, connection.cursor = config, None
        repo.set_connection_status(connection.id, "active", None)
        repo.add_audit("connection", connection.id, actor="user:cli",
                       reason=f"{kind} connected", details=config)
        return repo.workspace_id, connection.id


def _secret(services: Services, workspace_id: str, connection_id: str
            ) -> adapters.SecretJsonStore:
    return adapters.SecretJsonStore(services.sessions, workspace_id, services.keyring(),
                                    adapters.dropbox_secret_name(connection_id))


def connect_dropbox_with_token(services: Services, target: DropboxTarget, token: str) -> str:
    """For a long-lived token (the emulator's `--token`): stored encrypted, never refreshed."""
    workspace_id, connection_id = _upsert_connection(services, "dropbox", target.name,
                                                     target.config())
    _secret(services, workspace_id, connection_id).save_json({"static_token": token})
    return connection_id


def start_dropbox_oauth(services: Services, *, write_back: bool,
                        redirect_uri: str | None = None) -> AuthorizationRequest:
    oauth = DropboxOAuth(httpx.Client(timeout=30), services.settings.dropbox.app_key,
                         endpoints=adapters.dropbox_endpoints(services.settings))
    return oauth.start(write_back=write_back, redirect_uri=redirect_uri)


def finish_dropbox_oauth(services: Services, target: DropboxTarget,
                         request: AuthorizationRequest, code: str) -> str:
    with httpx.Client(timeout=30) as http:
        oauth = DropboxOAuth(http, services.settings.dropbox.app_key,
                             endpoints=adapters.dropbox_endpoints(services.settings))
        tokens = oauth.exchange(code.strip(), request)
    workspace_id, connection_id = _upsert_connection(services, "dropbox", target.name,
                                                     target.config())
    adapters.DropboxTokenStore(_secret(services, workspace_id, connection_id)).save(tokens)
    return connection_id


def connect_qonto_api_key(services: Services, api_key: str, *, base_url: str,
                          staging_token: str | None = None, name: str = "qonto",
                          emulator: bool = False) -> str:
    """Check the key against Qonto (or the sandbox), then keep it encrypted."""
    login, _, secret_key = api_key.partition(":")
    if not login or not secret_key:
        raise ValueError("a Qonto API key looks like <organization-login>:<secret-key>")
    # An emulator is not throttled: its windows may run as often as asked.
    config: dict[str, Any] = {"base_url": base_url, "emulator": emulator,
                              "window_minutes": 0.5 if emulator else 15}
    if staging_token:
        config["staging_token"] = staging_token
    workspace_id, connection_id = _upsert_connection(services, "qonto", name, config)
    secret = adapters.SecretJsonStore(services.sessions, workspace_id, services.keyring(),
                                      adapters.qonto_secret_name(connection_id))
    with httpx.Client(timeout=30) as http:
        connect_api_key(http, ApiKeyCredentials(login, secret_key),
                        adapters.QontoCredentialStore(secret), base_url=base_url,
                        staging_token=staging_token)
    return connection_id


def disconnect(services: Services, name: str) -> bool:
    """Stop all calls and writes at once; what was already written stays."""
    with services.workspace_repo() as repo:
        connection = repo.connection_by_name(name)
        if connection is None:
            return False
        repo.set_connection_status(connection.id, "disconnected", None)
        repo.add_audit("connection", connection.id, actor="user:cli", reason="disconnected")
        workspace_id, connection_id, kind = repo.workspace_id, connection.id, connection.kind
    if kind == "dropbox":
        _secret(services, workspace_id, connection_id).clear()
    elif kind == "qonto":
        adapters.SecretJsonStore(services.sessions, workspace_id, services.keyring(),
                                 adapters.qonto_secret_name(connection_id)).clear()
    return True


# --- the Qonto receipts export --------------------------------------------------------------


def _dropbox_connection_id(services: Services, name: str) -> tuple[str, str]:
    with services.workspace_repo() as repo:
        connection = repo.connection_by_name(name)
        if connection is None or connection.kind != "dropbox":
            raise ValueError(f"no Dropbox connection named {name!r}: `liasse connect dropbox`")
        return repo.workspace_id, connection.id


def configure_receipts_export(services: Services, dropbox_name: str, settings: ExportSettings
                              ) -> ExportState:
    """Export Qonto receipts into this Dropbox connection from `settings.start_date` on."""
    workspace_id, connection_id = _dropbox_connection_id(services, dropbox_name)
    valid = validated_settings(settings)
    with receipts_repo_scope(services.sessions, workspace_id)() as repo:
        return repo.save_settings(connection_id, valid)


def reset_receipts_export(services: Services, dropbox_name: str) -> int:
    """Export everything again (deleted folders are recreated); returns the new generation."""
    workspace_id, connection_id = _dropbox_connection_id(services, dropbox_name)
    with receipts_repo_scope(services.sessions, workspace_id)() as repo:
        return repo.next_generation(connection_id)


def stop_receipts_export(services: Services, dropbox_name: str) -> None:
    workspace_id, connection_id = _dropbox_connection_id(services, dropbox_name)
    with receipts_repo_scope(services.sessions, workspace_id)() as repo:
        repo.set_enabled(connection_id, False)
