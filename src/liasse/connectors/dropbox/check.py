"""Before a Dropbox connection is saved: one real call proves the token and the folder.

`check_folder` asks Dropbox for the watched folder's metadata (or lists the root) with the
token about to be stored. What can go wrong comes back as one `FolderCheckFailed` whose
`reason` the CLI and the web app turn into their own words: nothing is stored until the
check passed, so a wrong token or a mistyped folder never shows as "connected".
"""

from __future__ import annotations

from typing import Literal

from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.errors import (
    DropboxApiError,
    DropboxAuthError,
    DropboxBadRequest,
    DropboxError,
    DropboxRateLimited,
    DropboxUnavailable,
    PathNotFound,
)
from liasse.connectors.dropbox.models import FolderMetadata

CheckReason = Literal["token_refused", "folder_missing", "not_a_folder", "bad_path",
                      "unreachable"]
# English, for logs and tracebacks; people read the CLI's and the web app's catalogues.
REASONS: dict[CheckReason, str] = {
    "token_refused": "Dropbox refused the token",
    "folder_missing": "there is no folder {folder} in this Dropbox",
    "not_a_folder": "{folder} is a file in this Dropbox, not a folder",
    "bad_path": "{folder} is not a Dropbox folder path (it starts with /)",
    "unreachable": "Dropbox could not be reached",
}


class FolderCheckFailed(DropboxError):
    """The token or the folder did not pass the check; `detail` is what Dropbox said."""

    def __init__(self, reason: CheckReason, folder: str, detail: str = "") -> None:
        super().__init__(REASONS[reason].format(folder=folder)
                         + (f" ({detail})" if detail else ""))
        self.reason: CheckReason = reason
        self.folder = folder
        self.detail = detail


def api_path(folder: str) -> str:
    """The folder as the API names it: "" for the root."""
    return "" if folder.strip() in ("", "/") else folder.strip().rstrip("/")


def check_folder(client: DropboxClient, folder: str) -> None:
    """Raise `FolderCheckFailed` unless the token works and `folder` is a folder."""
    path = api_path(folder)
    try:
        if not path:
            client.list_folder("", limit=1)  # the root has no metadata of its own
            return
        metadata = client.get_metadata(path)
    except DropboxAuthError as exc:
        raise FolderCheckFailed("token_refused", folder, str(exc)) from exc
    except PathNotFound as exc:
        raise FolderCheckFailed("folder_missing", folder) from exc
    except DropboxApiError as exc:
        reason: CheckReason = "bad_path" if "malformed_path" in exc.tags else "folder_missing"
        raise FolderCheckFailed(reason, folder, exc.message) from exc
    except DropboxBadRequest as exc:
        raise FolderCheckFailed("bad_path", folder, str(exc)) from exc
    except (DropboxUnavailable, DropboxRateLimited) as exc:
        raise FolderCheckFailed("unreachable", folder, str(exc)) from exc
    if not isinstance(metadata, FolderMetadata):
        raise FolderCheckFailed("not_a_folder", folder)
