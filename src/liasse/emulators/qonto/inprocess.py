"""Calling an ASGI emulator from a synchronous `httpx.Client`, in the same process.

`httpx.ASGITransport` only serves `httpx.AsyncClient`; liasse's connectors are synchronous.
`sync_transport(app)` runs each request through `httpx.ASGITransport` on a fresh event loop
and honours the client's read timeout, so an emulator delay becomes a real
`httpx.ReadTimeout` (the emulator's work is cancelled or, for `delay_after`, already done).
"""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import ASGIApp


class SyncASGITransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, *, client_address: str = "127.0.0.1") -> None:
        self._inner = httpx.ASGITransport(app=app, client=(client_address, 50000))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeout = (request.extensions.get("timeout") or {}).get("read")
        return asyncio.run(self._send(request, timeout))

    async def _send(self, request: httpx.Request, timeout: float | None) -> httpx.Response:
        body = request.read()
        async_request = httpx.Request(request.method, request.url, headers=request.headers,
                                      content=body, extensions=request.extensions)
        try:
            response = await asyncio.wait_for(self._inner.handle_async_request(async_request),
                                              timeout)
            content = await response.aread()
        except TimeoutError as exc:
            raise httpx.ReadTimeout("the emulator did not answer in time",
                                    request=request) from exc
        return httpx.Response(response.status_code, headers=response.headers, content=content,
                              request=request)


def sync_transport(app: ASGIApp, *, client_address: str = "127.0.0.1") -> httpx.BaseTransport:
    return SyncASGITransport(app, client_address=client_address)
