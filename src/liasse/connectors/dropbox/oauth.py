"""Dropbox OAuth 2.0 with PKCE and offline access, and the keeper of a connection's tokens.

`DropboxOAuth` builds the authorize URL, exchanges the code, refreshes and revokes.
`TokenKeeper` hands out a valid access token for one connection: it refreshes ahead of
expiry under the connection's lock and re-reads the stored tokens once it holds the lock,
so two workers never refresh at once (the second finds the first one's fresh token). When
refreshing fails or a fresh token is refused, it marks the connection as needing a
reconnect, calls `on_needs_reconnect` once, and refuses every further call.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from liasse.connectors.dropbox.endpoints import DropboxEndpoints
from liasse.connectors.dropbox.errors import DropboxUnavailable, NeedsReconnect, OAuthError

READ_SCOPES = ("files.metadata.read", "files.content.read")
WRITE_SCOPES = ("files.content.write",)
REFRESH_MARGIN_SECONDS = 300
MESSAGES = {
    "not_connected": "Dropbox is not connected for this workspace",
    "no_refresh_token": "the Dropbox token expired and there is no refresh token",
    "refresh_refused": "Dropbox refused to refresh the token: {detail}",
    "token_refused": "Dropbox refused a freshly refreshed token: {detail}",
    "disconnected": "Dropbox was disconnected",
    "token_endpoint": "the Dropbox token endpoint answered HTTP {status}",
    "unreachable": "the Dropbox token endpoint could not be reached: {detail}",
}


def scopes_for(write_back: bool) -> tuple[str, ...]:
    """Read scopes always; the write scope only when write-back is enabled."""
    return READ_SCOPES + WRITE_SCOPES if write_back else READ_SCOPES


@dataclass(frozen=True)
class DropboxTokens:
    access_token: str
    refresh_token: str | None
    expires_at: float | None  # epoch seconds; None for a long-lived token
    scopes: tuple[str, ...] = ()
    account_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DropboxTokens:
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=data.get("expires_at"),
            scopes=tuple(data.get("scopes", ())),
            account_id=data.get("account_id"),
        )


class TokenStore(Protocol):
    """Where a connection's tokens live (the integrator: the encrypted secret store)."""

    def load(self) -> DropboxTokens | None: ...

    def save(self, tokens: DropboxTokens) -> None: ...

    def clear(self) -> None: ...


class InMemoryTokenStore:
    def __init__(self, tokens: DropboxTokens | None = None) -> None:
        self.tokens = tokens
        self.saves = 0

    def load(self) -> DropboxTokens | None:
        return self.tokens

    def save(self, tokens: DropboxTokens) -> None:
        self.tokens = tokens
        self.saves += 1

    def clear(self) -> None:
        self.tokens = None


@dataclass(frozen=True)
class AuthorizationRequest:
    """Show `url` to the user; keep `code_verifier` (and `state`) until the code comes back."""

    url: str
    code_verifier: str
    state: str | None
    scopes: tuple[str, ...]
    redirect_uri: str | None


def new_code_verifier() -> str:
    return secrets.token_urlsafe(64)[:128]


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class DropboxOAuth:
    def __init__(self, http: httpx.Client, app_key: str, *,
                 endpoints: DropboxEndpoints | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._http = http
        self.app_key = app_key
        self.endpoints = endpoints or DropboxEndpoints()
        self._clock = clock

    def start(self, *, write_back: bool, redirect_uri: str | None = None,
              state: str | None = None) -> AuthorizationRequest:
        verifier = new_code_verifier()
        scopes = scopes_for(write_back)
        params = {
            "response_type": "code",
            "client_id": self.app_key,
            "token_access_type": "offline",
            "code_challenge": code_challenge(verifier),
            "code_challenge_method": "S256",
            "scope": " ".join(scopes),
        }
        if redirect_uri is not None:
            params["redirect_uri"] = redirect_uri
        if state is not None:
            params["state"] = state
        url = f"{self.endpoints.web}/oauth2/authorize?{urlencode(params)}"
        return AuthorizationRequest(url, verifier, state, scopes, redirect_uri)

    def exchange(self, code: str, request: AuthorizationRequest) -> DropboxTokens:
        form = {"grant_type": "authorization_code", "code": code.strip(),
                "client_id": self.app_key, "code_verifier": request.code_verifier}
        if request.redirect_uri is not None:
            form["redirect_uri"] = request.redirect_uri
        return self._tokens_from(self._post_token(form), refresh_token=None)

    def refresh(self, tokens: DropboxTokens) -> DropboxTokens:
        if tokens.refresh_token is None:
            raise NeedsReconnect(MESSAGES["no_refresh_token"])
        form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token,
                "client_id": self.app_key}
        fresh = self._tokens_from(self._post_token(form), refresh_token=tokens.refresh_token)
        return replace(fresh, account_id=fresh.account_id or tokens.account_id)

    def revoke(self, access_token: str) -> None:
        """Revoke the grant (Dropbox also drops its refresh token); errors are ignored."""
        # On a network error there is nothing more to do: the tokens are forgotten locally.
        with contextlib.suppress(httpx.TransportError):
            self._http.post(f"{self.endpoints.api}/2/auth/token/revoke",
                            headers={"Authorization": f"Bearer {access_token}",
                                     "Content-Type": "application/json"}, content=b"null")

    def _post_token(self, form: dict[str, str]) -> dict[str, Any]:
        try:
            response = self._http.post(f"{self.endpoints.api}/oauth2/token", data=form)
        except httpx.TransportError as exc:
            raise DropboxUnavailable(MESSAGES["unreachable"].format(detail=exc)) from exc
        if response.status_code in (400, 401):
            body = _json_or_empty(response)
            raise OAuthError(str(body.get("error", "invalid_request")),
                             str(body.get("error_description", response.text)))
        if response.status_code != 200:
            raise DropboxUnavailable(MESSAGES["token_endpoint"].format(status=response.status_code))
        return _json_or_empty(response)

    def _tokens_from(self, body: dict[str, Any], refresh_token: str | None) -> DropboxTokens:
        expires_in = body.get("expires_in")
        return DropboxTokens(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token", refresh_token),
            expires_at=self._clock() + int(expires_in) if expires_in is not None else None,
            scopes=tuple(str(body.get("scope", "")).split()),
            account_id=body.get("account_id"),
        )


def _json_or_empty(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class AccessTokenProvider(Protocol):
    """What the API client needs from a connection's authentication."""

    def access_token(self) -> str: ...

    def refresh_after_rejection(self, rejected: str) -> str: ...

    def give_up(self, reason: str) -> NeedsReconnect: ...


class TokenRefresher(Protocol):
    """The part of `DropboxOAuth` the keeper uses (a test can wrap it to count calls)."""

    def refresh(self, tokens: DropboxTokens) -> DropboxTokens: ...

    def revoke(self, access_token: str) -> None: ...


class TokenKeeper:
    """Valid access tokens for one connection; one instance (and lock) per connection."""

    def __init__(self, oauth: TokenRefresher, store: TokenStore, *,
                 lock: threading.Lock | None = None,
                 clock: Callable[[], float] = time.time,
                 on_needs_reconnect: Callable[[str], None] = lambda reason: None,
                 margin_seconds: float = REFRESH_MARGIN_SECONDS) -> None:
        self._oauth = oauth
        self._store = store
        self._lock = lock or threading.Lock()
        self._clock = clock
        self._on_needs_reconnect = on_needs_reconnect
        self._margin = margin_seconds
        self.needs_reconnect_reason: str | None = None
        self.refresh_count = 0

    def access_token(self) -> str:
        tokens = self._load()
        if not self._expiring(tokens):
            return tokens.access_token
        with self._lock:
            tokens = self._load()  # another worker may have refreshed while we waited
            if self._expiring(tokens):
                tokens = self._refresh(tokens)
            return tokens.access_token

    def refresh_after_rejection(self, rejected: str) -> str:
        """Dropbox refused `rejected`: refresh, unless someone already replaced it."""
        with self._lock:
            tokens = self._load()
            if tokens.access_token != rejected and not self._expiring(tokens):
                return tokens.access_token
            return self._refresh(tokens).access_token

    def give_up(self, reason: str) -> NeedsReconnect:
        """Mark the connection unusable (once) and return the error to raise."""
        if self.needs_reconnect_reason is None:
            self.needs_reconnect_reason = reason
            self._on_needs_reconnect(reason)
        return NeedsReconnect(reason)

    def disconnect(self) -> None:
        """Revoke at Dropbox, forget the tokens, and refuse every call from now on."""
        with self._lock:
            tokens = self._store.load()
            self._store.clear()
            self.needs_reconnect_reason = MESSAGES["disconnected"]
        if tokens is not None:
            self._oauth.revoke(tokens.access_token)

    def _load(self) -> DropboxTokens:
        if self.needs_reconnect_reason is not None:
            raise NeedsReconnect(self.needs_reconnect_reason)
        tokens = self._store.load()
        if tokens is None:
            raise self.give_up(MESSAGES["not_connected"])
        return tokens

    def _expiring(self, tokens: DropboxTokens) -> bool:
        return tokens.expires_at is not None and tokens.expires_at - self._margin <= self._clock()

    def _refresh(self, tokens: DropboxTokens) -> DropboxTokens:
        try:
            fresh = self._oauth.refresh(tokens)
        except OAuthError as exc:
            raise self.give_up(MESSAGES["refresh_refused"].format(detail=exc.description)) from exc
        except NeedsReconnect as exc:
            raise self.give_up(str(exc)) from exc
        self._store.save(fresh)
        self.refresh_count += 1
        return fresh


class StaticToken:
    """A long-lived token (the emulator's `--token`): it cannot be refreshed."""

    def __init__(self, token: str,
                 on_needs_reconnect: Callable[[str], None] = lambda reason: None) -> None:
        self._token = token
        self._on_needs_reconnect = on_needs_reconnect
        self.needs_reconnect_reason: str | None = None

    def access_token(self) -> str:
        if self.needs_reconnect_reason is not None:
            raise NeedsReconnect(self.needs_reconnect_reason)
        return self._token

    def refresh_after_rejection(self, rejected: str) -> str:
        raise self.give_up("Dropbox refused the long-lived token")

    def give_up(self, reason: str) -> NeedsReconnect:
        if self.needs_reconnect_reason is None:
            self.needs_reconnect_reason = reason
            self._on_needs_reconnect(reason)
        return NeedsReconnect(reason)
