"""Qonto credentials: an API key, or OAuth 2.0 tokens refreshed before they expire.

Credentials are kept by a `CredentialStore` (the integrator backs it with the encrypted
secret store; tests use `InMemoryCredentialStore`). The OAuth refresh happens under a lock
and re-reads the store first: if another worker already refreshed, its tokens are used
rather than spending the (rotated, single-use) refresh token a second time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlencode

import httpx

from liasse.connectors.qonto.errors import NeedsReconnect, TransientFailure

OAUTH_AUTHORIZE_URL = "https://oauth.qonto.com/oauth2/auth"
OAUTH_TOKEN_URL = "https://oauth.qonto.com/oauth2/token"  # noqa: S105 - a URL
SANDBOX_OAUTH_BASE = "https://oauth-sandbox.staging.qonto.co"
DEFAULT_SCOPES = ("organization.read", "attachment.write", "supplier_invoice.read",
                  "supplier_invoice.write", "offline_access")
REFRESH_MARGIN = timedelta(seconds=60)
TEXT = {
    "no_credentials": "Qonto is not connected: run `liasse connect qonto`",
    "refresh_refused": "Qonto refused to renew access ({reason}): reconnect liasse to Qonto",
    "code_refused": "Qonto refused the authorization code ({reason})",
    "token_unreachable": "Qonto's token endpoint could not be reached: {reason}",
    "no_refresh_token": "the access token expired and there is no refresh token "
                        "(scope offline_access missing)",
}

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ApiKeyCredentials:
    login: str  # the organization's login (slug)
    secret_key: str


@dataclass(frozen=True)
class OAuthCredentials:
    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scopes: tuple[str, ...]


Credentials = ApiKeyCredentials | OAuthCredentials


def credentials_to_json(credentials: Credentials) -> str:
    """A string for the secret store."""
    if isinstance(credentials, ApiKeyCredentials):
        return json.dumps({"kind": "api_key", "login": credentials.login,
                           "secret_key": credentials.secret_key})
    return json.dumps({"kind": "oauth", "access_token": credentials.access_token,
                       "refresh_token": credentials.refresh_token,
                       "expires_at": credentials.expires_at.isoformat(),
                       "scopes": list(credentials.scopes)})


def credentials_from_json(text: str) -> Credentials:
    raw = json.loads(text)
    if raw["kind"] == "api_key":
        return ApiKeyCredentials(raw["login"], raw["secret_key"])
    return OAuthCredentials(raw["access_token"], raw.get("refresh_token"),
                            datetime.fromisoformat(raw["expires_at"]), tuple(raw["scopes"]))


class CredentialStore(Protocol):
    def load(self) -> Credentials | None: ...

    def save(self, credentials: Credentials) -> None: ...


class InMemoryCredentialStore:
    def __init__(self, credentials: Credentials | None = None) -> None:
        self.credentials = credentials
        self.saves = 0

    def load(self) -> Credentials | None:
        return self.credentials

    def save(self, credentials: Credentials) -> None:
        self.credentials = credentials
        self.saves += 1


@dataclass(frozen=True)
class OAuthApp:
    """liasse's registration at Qonto (or at the emulator: point the URLs at it)."""

    client_id: str
    client_secret: str
    redirect_uri: str
    authorize_url: str = OAUTH_AUTHORIZE_URL
    token_url: str = OAUTH_TOKEN_URL
    scopes: tuple[str, ...] = DEFAULT_SCOPES


def authorization_url(app: OAuthApp, state: str) -> str:
    """Where to send the owner's browser; Qonto comes back to `redirect_uri` with a code."""
    query = urlencode({"client_id": app.client_id, "redirect_uri": app.redirect_uri,
                       "response_type": "code", "scope": " ".join(app.scopes),
                       "state": state})
    return f"{app.authorize_url}?{query}"


def exchange_code(http: httpx.Client, app: OAuthApp, code: str, *,
                  clock: Clock = utc_now) -> OAuthCredentials:
    """The web callback's second half: turn the authorization code into tokens."""
    return _token_call(http, app, {"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": app.redirect_uri}, clock, "code_refused")


def _token_call(http: httpx.Client, app: OAuthApp, form: dict[str, str], clock: Clock,
                refusal: str) -> OAuthCredentials:
    started = clock()
    try:
        answer = http.post(app.token_url, data={**form, "client_id": app.client_id,
                                                "client_secret": app.client_secret})
    except httpx.TransportError as exc:
        raise TransientFailure(TEXT["token_unreachable"].format(reason=exc)) from exc
    if answer.status_code >= 500 or answer.status_code == 429:
        raise TransientFailure(TEXT["token_unreachable"].format(reason=answer.status_code),
                               status=answer.status_code)
    if answer.status_code != 200:
        reason = _oauth_reason(answer)
        raise NeedsReconnect(TEXT[refusal].format(reason=reason), status=answer.status_code)
    body = answer.json()
    return OAuthCredentials(
        access_token=str(body["access_token"]), refresh_token=body.get("refresh_token"),
        expires_at=started + timedelta(seconds=int(body.get("expires_in", 3600))),
        scopes=tuple(str(body.get("scope", " ".join(app.scopes))).split()),
    )


def _oauth_reason(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return f"HTTP {answer.status_code}"
    return str(body.get("error_description") or body.get("error") or answer.status_code)


class Authenticator(Protocol):
    def header(self) -> str:
        """The `Authorization` header value for the next call."""
        ...

    def renew_after_401(self, rejected_header: str) -> bool:
        """Try to get fresh credentials after a 401; True if a retry makes sense."""
        ...


class ApiKeyAuth:
    def __init__(self, credentials: ApiKeyCredentials) -> None:
        self._header = f"{credentials.login}:{credentials.secret_key}"  # no Bearer, no Base64

    def header(self) -> str:
        return self._header

    def renew_after_401(self, rejected_header: str) -> bool:
        return False  # a refused key stays refused


class OAuthAuth:
    """Bearer tokens from the store, refreshed `margin` before expiry, once at a time."""

    def __init__(self, http: httpx.Client, app: OAuthApp, store: CredentialStore, *,
                 clock: Clock = utc_now, margin: timedelta = REFRESH_MARGIN,
                 lock: threading.Lock | None = None) -> None:
        self._http, self._app, self._store, self._clock = http, app, store, clock
        self._margin = margin
        self._lock = lock or threading.Lock()

    def header(self) -> str:
        credentials = self._current()
        if credentials.expires_at - self._margin <= self._clock():
            credentials = self._refresh(stale=credentials.access_token)
        return f"Bearer {credentials.access_token}"

    def renew_after_401(self, rejected_header: str) -> bool:
        self._refresh(stale=rejected_header.removeprefix("Bearer "))
        return True

    def _current(self) -> OAuthCredentials:
        credentials = self._store.load()
        if not isinstance(credentials, OAuthCredentials):
            raise NeedsReconnect(TEXT["no_credentials"])
        return credentials

    def _refresh(self, *, stale: str) -> OAuthCredentials:
        with self._lock:
            current = self._current()  # re-read: another worker may have refreshed already
            fresh = current.expires_at - self._margin > self._clock()
            if current.access_token != stale and fresh:
                return current
            if current.refresh_token is None:
                raise NeedsReconnect(TEXT["refresh_refused"].format(
                    reason=TEXT["no_refresh_token"]))
            renewed = _token_call(self._http, self._app,
                                  {"grant_type": "refresh_token",
                                   "refresh_token": current.refresh_token},
                                  self._clock, "refresh_refused")
            if renewed.refresh_token is None:  # not rotated this time: keep the old one
                renewed = OAuthCredentials(renewed.access_token, current.refresh_token,
                                           renewed.expires_at, renewed.scopes)
            self._store.save(renewed)
            return renewed


def authenticator_for(store: CredentialStore, http: httpx.Client, app: OAuthApp | None, *,
                      clock: Clock = utc_now) -> Authenticator:
    """The authenticator matching what the store holds."""
    credentials = store.load()
    if isinstance(credentials, ApiKeyCredentials):
        return ApiKeyAuth(credentials)
    if credentials is None or app is None:
        raise NeedsReconnect(TEXT["no_credentials"])
    return OAuthAuth(http, app, store, clock=clock)
