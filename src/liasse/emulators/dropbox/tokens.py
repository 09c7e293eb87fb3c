"""Emulated Dropbox OAuth grants: authorization codes, access and refresh tokens, scopes.

Codes are bound to their PKCE challenge (S256 or plain) and redirect URI; access tokens
expire after a configurable lifetime; refresh tokens last until revoked, and revoking any
token of a grant revokes the whole grant, as Dropbox does. A `--token` given on the
command line is a long-lived token with every scope.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from liasse.emulators.dropbox.wire import JsonObject, tagged

ALL_SCOPES: frozenset[str] = frozenset(
    {"account_info.read", "files.metadata.read", "files.content.read", "files.content.write"}
)
CODE_LIFETIME_SECONDS = 600
ACCOUNT_ID = "dbid:AAEmulatorAccount0000000000000000000"
UID = "4242"


class AuthFailure(Exception):
    """A 401 on an API route; `error` is the AuthError union in wire form."""

    def __init__(self, error: JsonObject) -> None:
        super().__init__(error.get(".tag"))
        self.error = error


class OAuthFailure(Exception):
    """A 400 from the token endpoint: `{"error": ..., "error_description": ...}`."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


@dataclass
class AccessGrant:
    token: str
    app_key: str
    scopes: list[str]
    expires_at: float | None
    refresh_token: str | None = None


@dataclass
class RefreshGrant:
    token: str
    app_key: str
    scopes: list[str]


@dataclass
class PendingCode:
    code: str
    app_key: str
    scopes: list[str]
    challenge: str | None
    challenge_method: str
    redirect_uri: str | None
    offline: bool
    expires_at: float


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass
class TokenRegistry:
    clock: Callable[[], float] = time.time
    access_token_lifetime: int = 14_400
    on_change: Callable[[], None] = lambda: None
    access: dict[str, AccessGrant] = field(default_factory=dict)
    refresh: dict[str, RefreshGrant] = field(default_factory=dict)
    codes: dict[str, PendingCode] = field(default_factory=dict)

    def add_long_lived(self, token: str) -> None:
        self.access[token] = AccessGrant(token, "cli", sorted(ALL_SCOPES), None)

    # --- authorization code flow ------------------------------------------------------

    def authorize(self, app_key: str, scopes: list[str] | None, challenge: str | None,
                  challenge_method: str, redirect_uri: str | None, offline: bool) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = PendingCode(
            code, app_key, sorted(scopes or ALL_SCOPES), challenge, challenge_method,
            redirect_uri, offline, self.clock() + CODE_LIFETIME_SECONDS,
        )
        return code

    def redeem(self, code: str, app_key: str, verifier: str | None,
               redirect_uri: str | None) -> JsonObject:
        pending = self.codes.pop(code, None)
        if pending is None or pending.expires_at < self.clock():
            raise OAuthFailure("invalid_grant", "code doesn't exist or has expired")
        if pending.app_key != app_key:
            raise OAuthFailure("invalid_grant", "code was issued to a different app")
        if pending.redirect_uri != redirect_uri:
            raise OAuthFailure("invalid_grant", "redirect_uri mismatch")
        self._check_verifier(pending, verifier)
        return self.issue(app_key, pending.scopes, offline=pending.offline)

    def _check_verifier(self, pending: PendingCode, verifier: str | None) -> None:
        if pending.challenge is None:
            return
        if not verifier:
            raise OAuthFailure("invalid_grant", "code_verifier is missing")
        expected = pkce_challenge(verifier) if pending.challenge_method == "S256" else verifier
        if not hmac.compare_digest(expected, pending.challenge):
            raise OAuthFailure("invalid_grant", "invalid code verifier")

    def issue(self, app_key: str, scopes: list[str], *, offline: bool = True) -> JsonObject:
        """Mint an access token (and a refresh token when offline): the token response."""
        refresh_token = secrets.token_urlsafe(32) if offline else None
        if refresh_token is not None:
            self.refresh[refresh_token] = RefreshGrant(refresh_token, app_key, sorted(scopes))
        response = self._new_access(app_key, scopes, refresh_token)
        if refresh_token is not None:
            response["refresh_token"] = refresh_token
        response.update(account_id=ACCOUNT_ID, uid=UID)
        self.on_change()
        return response

    def refresh_access(self, refresh_token: str, app_key: str,
                       scope: list[str] | None) -> JsonObject:
        grant = self.refresh.get(refresh_token)
        if grant is None or grant.app_key != app_key:
            raise OAuthFailure("invalid_grant", "refresh token is invalid or revoked")
        scopes = grant.scopes
        if scope:
            if not set(scope) <= set(grant.scopes):
                raise OAuthFailure("invalid_scope", "requested scope exceeds the original grant")
            scopes = sorted(scope)
        response = self._new_access(app_key, scopes, refresh_token)
        self.on_change()
        return response

    def _new_access(self, app_key: str, scopes: list[str],
                    refresh_token: str | None) -> JsonObject:
        token = "sl.emu-" + secrets.token_urlsafe(32)
        expires_at = self.clock() + self.access_token_lifetime
        self.access[token] = AccessGrant(token, app_key, sorted(scopes), expires_at, refresh_token)
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.access_token_lifetime,
            "scope": " ".join(sorted(scopes)),
        }

    # --- checks made on every API call ------------------------------------------------

    def check(self, token: str, required_scope: str | None) -> AccessGrant:
        grant = self.access.get(token)
        if grant is None:
            raise AuthFailure(tagged("invalid_access_token"))
        if grant.expires_at is not None and grant.expires_at <= self.clock():
            raise AuthFailure(tagged("expired_access_token"))
        if required_scope is not None and required_scope not in grant.scopes:
            raise AuthFailure(tagged("missing_scope", required_scope=required_scope))
        return grant

    def expire(self, token: str) -> None:
        grant = self.access.get(token)
        if grant is not None and grant.expires_at is not None:
            grant.expires_at = self.clock() - 1
            self.on_change()

    def expire_all(self) -> None:
        for token in list(self.access):
            self.expire(token)

    def revoke(self, token: str) -> None:
        """Revoke the grant behind `token`: its refresh token and every sibling token."""
        grant = self.access.pop(token, None)
        if grant is None or grant.refresh_token is None:
            self.on_change()
            return
        self.refresh.pop(grant.refresh_token, None)
        for other in [t for t, g in self.access.items() if g.refresh_token == grant.refresh_token]:
            del self.access[other]
        self.on_change()

    # --- persistence ------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "access": [asdict(g) for g in self.access.values()],
            "refresh": [asdict(g) for g in self.refresh.values()],
        }

    def restore(self, data: dict[str, Any]) -> None:
        self.access = {g["token"]: AccessGrant(**g) for g in data.get("access", [])}
        self.refresh = {g["token"]: RefreshGrant(**g) for g in data.get("refresh", [])}
