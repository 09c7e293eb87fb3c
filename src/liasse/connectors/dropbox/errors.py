"""What the Dropbox connector raises, and the English messages for Dropbox's 409 tags.

    DropboxError                  anything this connector raises
    ├── DropboxUnavailable        network errors or 5xx, still failing after the retries
    ├── DropboxRateLimited        429, still failing after the retries (`retry_after`)
    ├── DropboxBadRequest         400: Dropbox refused our input (a bug on our side)
    ├── DropboxAuthError          the token is not usable
    │   ├── OAuthError            the token endpoint refused a code or a refresh token
    │   └── NeedsReconnect        refresh failed or did not help: the owner must reconnect;
    │                             the connection refuses every further call
    ├── DropboxApiError           409 route error, decoded by `.tag` (`tags`, `message`)
    │   ├── PathNotFound          nothing at the path (moved or deleted by someone)
    │   ├── PathConflict          something is already at the path
    │   └── CursorReset           the cursor is too old: list the folder again
    ├── ContentHashMismatch       downloaded bytes did not match content_hash, twice
    └── WriteBackConflict         a different file holds the write-back path and its fallback

`as_step_failure` is the one translation into the pipeline's failures
(`liasse.domain.errors`); sources, writers, the receipts sink and the instant watcher of
a Dropbox connection all go through it.
"""

from __future__ import annotations

from typing import Any

import httpx

from liasse.domain import errors as step_errors

TAG_MESSAGES: dict[str, str] = {
    "not_found": "there is nothing at this path (it was moved or deleted)",
    "not_file": "this path is a folder, not a file",
    "not_folder": "this path is a file, not a folder",
    "malformed_path": "the path is not a valid Dropbox path",
    "restricted_content": "Dropbox restricts this file's content",
    "locked": "the file is locked",
    "conflict": "something is already at this path",
    "no_write_permission": "liasse may not write to this folder",
    "insufficient_space": "the Dropbox is full",
    "disallowed_name": "Dropbox does not allow this file name",
    "too_many_write_operations": "Dropbox is busy with other writes; try again shortly",
    "reset": "the sync cursor expired; the folder will be listed again",
    "content_hash_mismatch": "the uploaded bytes were damaged in transit",
    "payload_too_large": "the file is larger than 150 MiB",
    "cant_move_folder_into_itself": "a folder cannot be moved into itself",
    "unsupported_file": "this file cannot be downloaded directly",
}


class DropboxError(Exception):
    """Base class of every error of the Dropbox connector."""


class DropboxUnavailable(DropboxError):
    """Dropbox could not be reached or kept failing (network, 5xx) after the retries."""


class DropboxRateLimited(DropboxError):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DropboxBadRequest(DropboxError):
    """A 400: the body is Dropbox's plain-text explanation."""


class DropboxAuthError(DropboxError):
    pass


class OAuthError(DropboxAuthError):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"Dropbox refused the authorization ({error}): {description}")
        self.error = error
        self.description = description


class NeedsReconnect(DropboxAuthError):
    """The connection's tokens are no longer usable; a person must connect Dropbox again."""


class DropboxApiError(DropboxError):
    """A 409 route error; `tags` is the `.tag` chain, e.g. ("path", "not_found")."""

    def __init__(self, route: str, error: dict[str, Any], tags: tuple[str, ...]) -> None:
        self.route = route
        self.error = error
        self.tags = tags
        super().__init__(f"Dropbox {route}: {describe(tags)} ({'/'.join(tags)})")

    @property
    def message(self) -> str:
        return describe(self.tags)


class PathNotFound(DropboxApiError):
    pass


class PathConflict(DropboxApiError):
    pass


class CursorReset(DropboxApiError):
    pass


class ContentHashMismatch(DropboxError):
    pass


class WriteBackConflict(DropboxError):
    pass


def tag_chain(error: Any) -> tuple[str, ...]:
    """Follow `.tag`s down the union (through `reason` for flattened upload errors)."""
    tags: list[str] = []
    node = error
    while isinstance(node, dict) and isinstance(node.get(".tag"), str):
        tag = node[".tag"]
        tags.append(tag)
        node = node.get(tag, node.get("reason"))
    return tuple(tags)


def describe(tags: tuple[str, ...]) -> str:
    for tag in reversed(tags):
        if tag in TAG_MESSAGES:
            return TAG_MESSAGES[tag]
    return "Dropbox refused the request"


def api_error(route: str, error: dict[str, Any]) -> DropboxApiError:
    tags = tag_chain(error)
    if "reset" in tags:
        return CursorReset(route, error, tags)
    if "not_found" in tags:
        return PathNotFound(route, error, tags)
    if "conflict" in tags:
        return PathConflict(route, error, tags)
    return DropboxApiError(route, error, tags)


def as_step_failure(exc: Exception, *, strict: bool = False) -> Exception:
    """Dropbox's exception tree mapped onto the pipeline's failure kinds; anything else
    comes back unchanged (raise the result `from` the original when it differs).

    A source reports a file gone as `FileNotFoundError` (the document is marked vanished)
    and a dead cursor as `CursorExpired`; `strict` callers (writers, the receipts sink)
    take only `StepFailure`s, so there any other Dropbox error is a rejection."""
    failure = _pipeline_failure(exc)
    if strict and not isinstance(failure, step_errors.StepFailure) \
            and isinstance(exc, DropboxError):
        return step_errors.RejectedData(str(exc))
    return failure


def _pipeline_failure(exc: Exception) -> Exception:
    if isinstance(exc, NeedsReconnect):
        return step_errors.NeedsReconnect(str(exc))
    if isinstance(exc, PathNotFound):
        return FileNotFoundError(f"the file vanished from Dropbox: {exc}")
    if isinstance(exc, CursorReset):
        return step_errors.CursorExpired(str(exc))
    if isinstance(exc, DropboxUnavailable | DropboxRateLimited | ContentHashMismatch
                  | httpx.HTTPError):
        return step_errors.TransientFailure(str(exc))
    if isinstance(exc, DropboxError):
        return step_errors.RejectedData(str(exc))
    return exc
