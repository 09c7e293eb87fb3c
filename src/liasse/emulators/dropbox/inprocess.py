"""A synchronous `httpx.Client` wired to the emulator in-process (no socket, no thread pool).

The connector is synchronous, while `httpx.ASGITransport` is async-only: this transport
runs each request through `httpx.ASGITransport` on a private event loop held by an anyio
blocking portal. Responses are read in full (downloads are buffered in memory).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import anyio.from_thread
import httpx
from starlette.types import ASGIApp

from liasse.emulators.dropbox.app import create_app
from liasse.emulators.dropbox.state import DropboxState


class InProcessTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, portal: anyio.from_thread.BlockingPortal) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            await request.aread()
            response = await self._inner.handle_async_request(request)
            body = await response.aread()
            return response.status_code, response.headers.raw, body

        status, headers, body = self._portal.call(call)
        return httpx.Response(status, headers=headers, content=body, request=request)


@contextmanager
def in_process_client(state: DropboxState) -> Iterator[httpx.Client]:
    """An `httpx.Client` whose every request (any host) reaches `create_app(state)`."""
    with anyio.from_thread.start_blocking_portal() as portal:
        transport = InProcessTransport(create_app(state), portal)
        with httpx.Client(transport=transport) as client:
            yield client
