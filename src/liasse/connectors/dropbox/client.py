"""A Dropbox API v2 client over an injected `httpx.Client`: the calls liasse makes, typed.

Every call goes through one loop that turns the wire into outcomes: 429 waits for
`retry_after` (or `Retry-After`); 5xx and network errors wait with bounded exponential
backoff and jitter; 401 refreshes the token once and then gives up (`NeedsReconnect`);
409 becomes a `DropboxApiError` decoded by `.tag`; 400 a `DropboxBadRequest`. The sleeper
and the random source are injectable so tests run without waiting.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from liasse.connectors.dropbox.endpoints import DropboxEndpoints
from liasse.connectors.dropbox.errors import (
    DropboxBadRequest,
    DropboxError,
    DropboxRateLimited,
    DropboxUnavailable,
    api_error,
)
from liasse.connectors.dropbox.models import (
    FileMetadata,
    FolderMetadata,
    ListFolderResult,
    LongpollResult,
    Metadata,
    parse_file,
    parse_list,
    parse_metadata,
)
from liasse.connectors.dropbox.oauth import AccessTokenProvider

Host = Literal["api", "content", "notify"]
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
LONGPOLL_EXTRA_SECONDS = 90  # Dropbox adds up to 90 s of jitter to a longpoll


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: `attempts` in all, waits doubling from `base_delay` up to `max_delay`."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 300.0

    def backoff(self, failures: int, jitter: float) -> float:
        """Full-jitter-ish wait after the `failures`-th failure; `jitter` is in [0, 1)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (failures - 1))
        return float(ceiling * (0.5 + jitter / 2))


def header_arg(arg: dict[str, Any]) -> str:
    """JSON for the Dropbox-API-Arg header: ASCII only, DEL escaped too."""
    return json.dumps(arg, ensure_ascii=True).replace("\x7f", "\\u007f")


class DropboxClient:
    def __init__(
        self,
        http: httpx.Client,
        auth: AccessTokenProvider,
        *,
        endpoints: DropboxEndpoints | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._http = http
        self._auth = auth
        self.endpoints = endpoints or DropboxEndpoints()
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._jitter = jitter

    # --- listing ---------------------------------------------------------------------

    def list_folder(self, path: str, *, recursive: bool = False, include_deleted: bool = False,
                    limit: int | None = None) -> ListFolderResult:
        arg: dict[str, Any] = {"path": path, "recursive": recursive,
                               "include_deleted": include_deleted}
        if limit is not None:
            arg["limit"] = limit
        return parse_list(self._rpc("files/list_folder", arg))

    def list_folder_continue(self, cursor: str) -> ListFolderResult:
        return parse_list(self._rpc("files/list_folder/continue", {"cursor": cursor}))

    def get_latest_cursor(self, path: str, *, recursive: bool = False) -> str:
        body = self._rpc("files/list_folder/get_latest_cursor",
                         {"path": path, "recursive": recursive})
        return str(body["cursor"])

    def longpoll(self, cursor: str, timeout: int = 30) -> LongpollResult:
        timeout = max(30, min(480, timeout))
        body = self._rpc("files/list_folder/longpoll", {"cursor": cursor, "timeout": timeout},
                         host="notify", authenticated=False,
                         http_timeout=timeout + LONGPOLL_EXTRA_SECONDS)
        backoff = body.get("backoff")
        return LongpollResult(bool(body["changes"]), int(backoff) if backoff else None)

    # --- reading ---------------------------------------------------------------------

    def get_metadata(self, path: str, *, include_deleted: bool = False) -> Metadata:
        return parse_metadata(self._rpc("files/get_metadata",
                                        {"path": path, "include_deleted": include_deleted}))

    @contextmanager
    def download(self, path: str) -> Iterator[tuple[FileMetadata, Iterator[bytes]]]:
        """The file's metadata and a stream of its bytes, valid inside the `with` block."""
        response = self._send("files/download", "content", {"path": path}, None, stream=True)
        try:
            metadata = parse_file(json.loads(response.headers["dropbox-api-result"]))
            yield metadata, response.iter_bytes()
        finally:
            response.close()

    # --- writing ---------------------------------------------------------------------

    def upload(self, path: str, data: bytes, *, content_hash: str,
               mode: Literal["add", "overwrite"] = "add", autorename: bool = False,
               strict_conflict: bool = False) -> FileMetadata:
        arg = {"path": path, "mode": mode, "autorename": autorename, "mute": True,
               "strict_conflict": strict_conflict, "content_hash": content_hash}
        response = self._send("files/upload", "content", arg, data)
        return parse_file(response.json())

    def create_folder(self, path: str) -> FolderMetadata:
        body = self._rpc("files/create_folder_v2", {"path": path, "autorename": False})
        metadata = parse_metadata({".tag": "folder", **body["metadata"]})
        if not isinstance(metadata, FolderMetadata):
            raise DropboxError(f"Dropbox answered create_folder with {metadata!r}")
        return metadata

    def move(self, from_path: str, to_path: str) -> Metadata:
        body = self._rpc("files/move_v2", {"from_path": from_path, "to_path": to_path})
        return parse_metadata(body["metadata"])

    def delete(self, path: str) -> Metadata:
        return parse_metadata(self._rpc("files/delete_v2", {"path": path})["metadata"])

    # --- the call loop ---------------------------------------------------------------

    def _rpc(self, route: str, arg: dict[str, Any], *, host: Host = "api",
             authenticated: bool = True, http_timeout: float | None = None) -> dict[str, Any]:
        response = self._send(route, host, arg, None, authenticated=authenticated,
                              http_timeout=http_timeout)
        body = response.json()
        return body if isinstance(body, dict) else {}

    def _send(self, route: str, host: Host, arg: dict[str, Any], data: bytes | None, *,
              stream: bool = False, authenticated: bool = True,
              http_timeout: float | None = None) -> httpx.Response:
        failures = 0
        refreshed = False
        while True:
            token = self._auth.access_token() if authenticated else None
            request = self._build(route, host, arg, data, token, http_timeout)
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                failures += 1
                self._wait_or_raise(failures, None, DropboxUnavailable(
                    f"Dropbox {route}: network error: {exc}"))
                continue
            if response.is_success:
                return response
            response.read()
            response.close()
            status = response.status_code
            if status == 401 and token is not None:
                if refreshed:
                    raise self._auth.give_up(f"Dropbox rejected the refreshed token: "
                                             f"{auth_tag(response)}")
                if auth_tag(response) in ("expired_access_token", "invalid_access_token"):
                    self._auth.refresh_after_rejection(token)
                    refreshed = True
                    continue
                raise self._auth.give_up(f"Dropbox refused the token: {auth_tag(response)}")
            failures += 1
            self._handle_failure(route, response, failures)

    def _handle_failure(self, route: str, response: httpx.Response, failures: int) -> None:
        """Wait before the next attempt, or raise when the failure is final."""
        status = response.status_code
        if status == 429:
            retry_after = min(rate_limit_wait(response), self.retry.max_retry_after)
            self._wait_or_raise(failures, retry_after, DropboxRateLimited(
                f"Dropbox {route}: rate limited", retry_after))
        elif status >= 500:
            self._wait_or_raise(failures, None, DropboxUnavailable(
                f"Dropbox {route}: HTTP {status}"))
        elif status == 409:
            raise api_error(route, response.json().get("error", {}))
        elif status == 400:
            raise DropboxBadRequest(f"Dropbox {route}: {response.text}")
        else:
            raise DropboxError(f"Dropbox {route}: unexpected HTTP {status}: {response.text}")

    def _wait_or_raise(self, failures: int, wait: float | None, error: DropboxError) -> None:
        if failures >= self.retry.attempts:
            raise error
        self._sleep(wait if wait is not None else self.retry.backoff(failures, self._jitter()))

    def _build(self, route: str, host: Host, arg: dict[str, Any], data: bytes | None,
               token: str | None, http_timeout: float | None) -> httpx.Request:
        base = getattr(self.endpoints, host)
        headers: dict[str, str] = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        timeout = httpx.Timeout(http_timeout, connect=10.0) if http_timeout else DEFAULT_TIMEOUT
        if host == "content":
            headers["Dropbox-API-Arg"] = header_arg(arg)
            if data is not None:
                headers["Content-Type"] = "application/octet-stream"
            return self._http.build_request("POST", f"{base}/2/{route}", headers=headers,
                                            content=data, timeout=timeout)
        headers["Content-Type"] = "application/json"
        return self._http.build_request("POST", f"{base}/2/{route}", headers=headers,
                                        content=json.dumps(arg).encode(), timeout=timeout)


def auth_tag(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
    except ValueError:
        return "unknown"
    if isinstance(error, dict):
        return str(error.get(".tag", "unknown"))
    return str(error)


def rate_limit_wait(response: httpx.Response) -> float:
    """`retry_after` from the JSON body, else the `Retry-After` header, else one second."""
    try:
        body = response.json()
        return float(body["error"]["retry_after"])
    except (ValueError, KeyError, TypeError):
        pass
    header = response.headers.get("retry-after")
    try:
        return float(header) if header is not None else 1.0
    except ValueError:
        return 1.0
