"""Connection secrets (tokens, API keys, OAuth grants) as JSON, encrypted in the
workspace's secret store, one name per connection: `<kind>:<connection id>`; and how a
person gives a connection its secret again (`ReconnectFlow`)."""

from __future__ import annotations

import json
import threading
from typing import Any, Literal

from sqlalchemy.orm import Session, sessionmaker

from liasse.app.services import Services
from liasse.store.secrets import Keyring, SecretStore
from liasse.store.secrets_repo import SecretRepo

# How a person reconnects: Dropbox's OAuth, Qonto's OAuth, or a Qonto API key typed anew.
ReconnectFlow = Literal["dropbox_oauth", "qonto_oauth", "qonto_api_key"]

# One lock per connection for the whole process: two workers never refresh at once.
_REFRESH_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def refresh_lock(connection_id: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _REFRESH_LOCKS.setdefault(connection_id, threading.Lock())


def secret_name(kind: str, connection_id: str) -> str:
    return f"{kind}:{connection_id}"


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
        return SecretStore(SecretRepo(session, self._workspace_id), self._keyring)


def connection_secret(services: Services, workspace_id: str, kind: str, connection_id: str
                      ) -> SecretJsonStore:
    return SecretJsonStore(services.sessions, workspace_id, services.keyring(),
                           secret_name(kind, connection_id))
