"""Dropbox wire format: route errors, metadata JSON, header-safe JSON, timestamps.

Everything the emulator sends goes through here so the format lives in one place and
matches `reference/DROPBOX.md`: `.tag` unions, `error_summary` built from the tags,
ASCII-only header JSON, `%Y-%m-%dT%H:%M:%SZ` timestamps.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

JsonObject = dict[str, Any]
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class RouteError(Exception):
    """A 409 route error: `error` is the route's error union, already in wire form."""

    def __init__(self, error: JsonObject) -> None:
        super().__init__(error_summary(error))
        self.error = error

    def body(self) -> JsonObject:
        return {"error_summary": error_summary(self.error), "error": self.error}


class BadInput(Exception):
    """A 400: Dropbox answers malformed input with plain text, not JSON."""


def error_summary(error: JsonObject) -> str:
    """`path/not_found/..`: the chain of `.tag`s, as Dropbox builds it."""
    tags: list[str] = []
    node: Any = error
    while isinstance(node, dict) and ".tag" in node:
        tag = node[".tag"]
        tags.append(tag)
        node = node.get(tag, node.get("reason"))
    return "/".join(tags) + "/.."


def tagged(tag: str, **fields: Any) -> JsonObject:
    return {".tag": tag, **fields}


def lookup_error(field: str, reason: str) -> RouteError:
    """E.g. `lookup_error("path", "not_found")` for a union member holding a LookupError."""
    return RouteError(tagged(field, **{field: tagged(reason)}))


def write_conflict(field: str, what: str) -> RouteError:
    return RouteError(tagged(field, **{field: tagged("conflict", conflict=tagged(what))}))


def upload_failed(reason: JsonObject) -> RouteError:
    """UploadError.path holds a struct, which flattens into the union member."""
    return RouteError(tagged("path", reason=reason, upload_session_id="emulator-no-session"))


def timestamp(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(int(epoch_seconds), UTC).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> float:
    try:
        return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC).timestamp()
    except ValueError as exc:
        raise BadInput(f"client_modified: {text!r} is not a {TIMESTAMP_FORMAT} timestamp") from exc


def header_json(value: Any) -> str:
    """JSON safe for an HTTP header: every non-ASCII character and DEL escaped."""
    return json.dumps(value, ensure_ascii=True).replace("\x7f", "\\u007f")


def body_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")
