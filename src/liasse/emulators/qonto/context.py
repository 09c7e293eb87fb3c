"""The running emulator's shared parts, handed to every route handler, and small helpers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.responses import JSONResponse, Response

from liasse.emulators.qonto.faults import FaultPlan
from liasse.emulators.qonto.persistence import StateStore
from liasse.emulators.qonto.state import (
    Attachment,
    EmulatorConfig,
    IdempotentCall,
    QontoState,
)

Clock = Callable[[], datetime]


class RateLimiter:
    """Sliding windows per client address (Qonto: 1,000 per 10 s and 10,000 per 10 min)."""

    def __init__(self, limits: list[tuple[int, timedelta]]) -> None:
        self._limits = limits
        self._hits: dict[str, deque[datetime]] = {}

    def allow(self, client: str, now: datetime) -> bool:
        hits = self._hits.setdefault(client, deque())
        longest = max(window for _, window in self._limits)
        while hits and hits[0] <= now - longest:
            hits.popleft()
        for limit, window in self._limits:
            if sum(1 for hit in hits if hit > now - window) >= limit:
                return False
        hits.append(now)
        return True


@dataclass
class Emulator:
    state: QontoState
    config: EmulatorConfig
    clock: Clock
    faults: FaultPlan
    store: StateStore
    limiter: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter([self.config.rate_limit_short, self.config.rate_limit_long])
        if not self.state.url_signing_key:
            self.state.url_signing_key = secrets.token_hex(16)

    def now(self) -> datetime:
        return self.clock()

    def save(self) -> None:
        self.store.save(self.state)

    def new_id(self) -> str:
        return str(uuid.uuid4())

    def replayed(self, scope: str, key: str) -> str | None:
        """The result of an earlier call with this idempotency key, if still replayable."""
        call = self.state.idempotency.get(f"{scope}:{key}")
        if call is None or call.created_at + self.config.idempotency_ttl <= self.now():
            return None
        return call.result_id

    def remember(self, scope: str, key: str, result_id: str) -> None:
        self.state.idempotency[f"{scope}:{key}"] = IdempotentCall(scope, key, self.now(),
                                                                   result_id)

    def forget_expired_keys(self) -> None:
        limit = self.now() - self.config.idempotency_ttl
        for name in [k for k, c in self.state.idempotency.items() if c.created_at <= limit]:
            del self.state.idempotency[name]

    def store_attachment(self, file_name: str, content_type: str, content: bytes,
                         visible_after: timedelta = timedelta(0)) -> Attachment:
        now = self.now()
        attachment = Attachment(self.new_id(), now, file_name, content_type, len(content),
                                self.store.files.put(content), now + visible_after)
        self.state.attachments[attachment.id] = attachment
        return attachment

    def signed_url(self, base_url: str, attachment_id: str) -> str:
        expires = int((self.now() + self.config.attachment_url_ttl).timestamp())
        query = urlencode({"expires": expires,
                           "signature": self.signature(attachment_id, expires)})
        return f"{base_url.rstrip('/')}/_files/{attachment_id}?{query}"

    def signature(self, attachment_id: str, expires: int) -> str:
        message = f"{attachment_id}:{expires}".encode()
        return hmac.new(self.state.url_signing_key.encode(), message,
                        hashlib.sha256).hexdigest()


def json_response(body: Any, status: int = 200,
                  headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def empty_response(status: int = 200) -> Response:
    return Response(b"", status_code=status)


def sniff_content_type(content: bytes) -> str:
    """What the bytes are, whatever the uploader claimed: Qonto refuses a text file named
    .pdf. PDF readers accept the header anywhere in the first kilobyte."""
    if b"%PDF-" in content[:1024]:
        return "application/pdf"
    if content.startswith(b"\x89PNG"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return "application/octet-stream"
