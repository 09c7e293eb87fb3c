"""Who is calling the emulator: an API key (`login:secret`) or an OAuth 2.0 bearer token.

Also the OAuth server side: authorization codes, the token endpoint's two grants, and
refresh-token rotation where the previous refresh token keeps working for a grace period
(60 s at Qonto) so that two workers refreshing at once both succeed.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from liasse.emulators.qonto.state import (
    EmulatorConfig,
    OAuthClient,
    OAuthCode,
    OAuthToken,
    QontoState,
)

ALL_SCOPES = frozenset({"organization.read", "attachment.write", "supplier_invoice.read",
                        "supplier_invoice.write", "offline_access", "payment.write"})
CODE_TTL_SECONDS = 600


@dataclass(frozen=True)
class Caller:
    """An authenticated caller; an API key holds every scope of its organization."""

    scopes: frozenset[str]
    via_api_key: bool


class OAuthError(Exception):
    """An OAuth grant refused, with the RFC 6749 error code."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def authenticate(state: QontoState, header: str | None, now: datetime) -> Caller | None:
    if not header:
        return None
    if header.lower().startswith("bearer "):
        token = state.access_tokens.get(header[7:].strip())
        if token is None or token.expires_at <= now:
            return None
        return Caller(frozenset(token.scopes), via_api_key=False)
    login, _, secret = header.partition(":")
    expected = state.api_keys.get(login)
    if expected is None or not hmac.compare_digest(expected, secret):
        return None
    return Caller(ALL_SCOPES, via_api_key=True)


def issue_code(state: QontoState, client: OAuthClient, redirect_uri: str, scopes: list[str],
               now: datetime) -> str:
    code = secrets.token_urlsafe(24)
    state.oauth_codes[code] = OAuthCode(code, client.client_id, redirect_uri, scopes,
                                        now + timedelta(seconds=CODE_TTL_SECONDS))
    return code


def check_client(state: QontoState, client_id: str, client_secret: str | None) -> OAuthClient:
    client = state.oauth_clients.get(client_id)
    if client is None or client_secret is None \
            or not hmac.compare_digest(client.client_secret, client_secret):
        raise OAuthError("invalid_client", "Client authentication failed", status=401)
    return client


def exchange_code(state: QontoState, config: EmulatorConfig, client: OAuthClient, code: str,
                  redirect_uri: str, now: datetime) -> dict[str, object]:
    grant = state.oauth_codes.pop(code, None)
    if grant is None or grant.client_id != client.client_id or grant.expires_at <= now:
        raise OAuthError("invalid_grant", "The authorization code is invalid or expired")
    if grant.redirect_uri != redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization")
    return _issue_tokens(state, config, client.client_id, grant.scopes, now)


def refresh(state: QontoState, config: EmulatorConfig, client: OAuthClient, token: str,
            now: datetime) -> dict[str, object]:
    current = state.refresh_tokens.get(token)
    if current is None or current.client_id != client.client_id or current.expires_at <= now:
        raise OAuthError("invalid_grant", "The refresh token is invalid or expired")
    if current.rotated_at is not None and now > current.rotated_at + config.refresh_grace:
        raise OAuthError("invalid_grant", "The refresh token was already used")
    if current.rotated_at is None:
        current.rotated_at = now
    return _issue_tokens(state, config, client.client_id, current.scopes, now)


def _issue_tokens(state: QontoState, config: EmulatorConfig, client_id: str, scopes: list[str],
                  now: datetime) -> dict[str, object]:
    access = OAuthToken(secrets.token_urlsafe(32), client_id, scopes,
                        now + config.access_token_ttl)
    state.access_tokens[access.token] = access
    body: dict[str, object] = {
        "access_token": access.token, "token_type": "bearer",
        "expires_in": int(config.access_token_ttl.total_seconds()), "scope": " ".join(scopes),
    }
    if "offline_access" in scopes:  # Qonto gives a refresh token only for this scope
        renewal = OAuthToken(secrets.token_urlsafe(32), client_id, scopes,
                             now + config.refresh_token_ttl)
        state.refresh_tokens[renewal.token] = renewal
        body["refresh_token"] = renewal.token
    return body


def forget_expired(state: QontoState, now: datetime) -> None:
    """Drop dead tokens and codes so a long-running emulator does not grow forever."""
    for table in (state.access_tokens, state.refresh_tokens):
        for key in [k for k, t in table.items() if t.expires_at <= now]:
            del table[key]
    for key in [k for k, c in state.oauth_codes.items() if c.expires_at <= now]:
        del state.oauth_codes[key]
