"""Passwords (argon2id), signed session cookies, CSRF tokens and login throttling.

The session lives entirely in a cookie signed with itsdangerous: `{"u": user id or None,
"c": CSRF token}`. It is HttpOnly, SameSite=Lax, and Secure when served over https.
Logging in starts a new session (new CSRF token), so a token seen before login is useless.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from liasse.app.accounts import verify_password
from liasse.app.settings import WebConfig
from liasse.store import web_repo
from liasse.store.tables_web import User

SESSION_COOKIE = "liasse_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
# Verified when the e-mail is unknown, so that the answer takes as long as for a known one.
_DUMMY_PASSWORD = "not-a-real-password"  # noqa: S105 - never a credential


@dataclass
class SessionData:
    """What the cookie holds: the session token (None: not logged in) and the CSRF token."""

    token: str | None
    csrf: str
    changed: bool = False

    @classmethod
    def fresh(cls, token: str | None = None) -> SessionData:
        return cls(token=token, csrf=secrets.token_urlsafe(32), changed=True)


class SessionCodec:
    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="liasse-session")
        self.max_age_seconds = max_age_seconds

    def dumps(self, data: SessionData) -> str:
        return self._serializer.dumps({"s": data.token, "c": data.csrf})

    def loads(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            raw: Any = self._serializer.loads(cookie, max_age=self.max_age_seconds)
        except BadSignature:
            return None
        if not isinstance(raw, dict) or not isinstance(raw.get("c"), str):
            return None
        token = raw.get("s")
        return SessionData(token if isinstance(token, str) else None, raw["c"])


def token_hash(token: str) -> str:
    """What the database keeps of a session token or OAuth state: never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionLifetimes:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_config(cls, config: WebConfig) -> SessionLifetimes:
        return cls(timedelta(seconds=config.session_idle_seconds),
                   timedelta(seconds=config.session_max_age_seconds))


def open_session(session: Session, user_id: str, lifetimes: SessionLifetimes,
                 now: datetime) -> SessionData:
    """A new server-side session for `user_id` (and a new CSRF token) after a login."""
    web_repo.purge_expired_web_sessions(session, now, idle=lifetimes.idle,
                                        lifetime=lifetimes.absolute)
    token = secrets.token_urlsafe(32)
    web_repo.start_web_session(session, token_hash(token), user_id, now)
    return SessionData.fresh(token)


def session_user(session: Session, data: SessionData, lifetimes: SessionLifetimes,
                 now: datetime) -> str | None:
    """The user of a live session; None once it was ended, idled out or grew too old."""
    if data.token is None:
        return None
    return web_repo.live_web_session_user(session, token_hash(data.token), now,
                                          idle=lifetimes.idle, lifetime=lifetimes.absolute)


def close_session(session: Session, data: SessionData) -> SessionData:
    """End the session server-side: the old cookie no longer logs anyone in."""
    if data.token is not None:
        web_repo.end_web_session(session, token_hash(data.token))
    return SessionData.fresh()


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


@functools.cache
def _dummy_hash(time_cost: int, memory_cost: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost).hash(_DUMMY_PASSWORD)


# --- logging in ---------------------------------------------------------------------------------


class LoginThrottled(Exception):
    """Too many failed attempts recently; the caller waits `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class LoginPolicy:
    """Growing delays after failed logins, per account+address and per address."""

    failures_before_delay: int
    failures_before_delay_per_address: int
    max_delay: timedelta
    window: timedelta

    @classmethod
    def from_config(cls, config: WebConfig) -> LoginPolicy:
        return cls(config.login_failures_before_delay,
                   config.login_failures_before_delay_per_address,
                   timedelta(seconds=config.login_max_delay_seconds),
                   timedelta(minutes=config.login_window_minutes))

    def delay(self, failures: int, free: int) -> timedelta:
        """1 s after the free failures, then twice as long for each further one."""
        if failures < free:
            return timedelta(0)
        doubling = min(failures - free, 30)  # 2**30 s is far past any max_delay
        return min(self.max_delay, timedelta(seconds=2 ** doubling))

    def wait(self, failures: web_repo.RecentFailures, now: datetime) -> timedelta:
        """How long from `now` until the next try is allowed (zero: allowed now)."""
        waits = [timedelta(0)]
        for recent, free in ((failures.for_account, self.failures_before_delay),
                             (failures.from_address, self.failures_before_delay_per_address)):
            if recent.last_at is not None:
                waits.append(recent.last_at + self.delay(recent.count, free) - now)
        return max(waits)


def authenticate(session: Session, hasher: PasswordHasher, policy: LoginPolicy, *, email: str,
                 password: str, address: str, now: datetime) -> User | None:
    """The user if the password is right; None if not; LoginThrottled while made to wait.

    Attempts are recorded in the caller's transaction, which must commit even on failure.
    """
    failures = web_repo.recent_login_failures(session, email, address, now - policy.window)
    wait = policy.wait(failures, now)
    if wait > timedelta(0):
        raise LoginThrottled(math.ceil(wait.total_seconds()))
    user = web_repo.find_user_by_email(session, email)
    if user is None or not user.active:
        verify_password(hasher, _dummy_hash(hasher.time_cost, hasher.memory_cost), password)
        web_repo.record_login_attempt(session, email, address, success=False, at=now)
        return None
    if not verify_password(hasher, user.password_hash, password):
        web_repo.record_login_attempt(session, email, address, success=False, at=now)
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = now
    web_repo.record_login_attempt(session, email, address, success=True, at=now)
    return user
