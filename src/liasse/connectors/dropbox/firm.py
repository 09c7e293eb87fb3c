"""Firm folders: one Dropbox per accounting firm, one folder tree per client, tracked by id.

Enabling a client creates `<root>/<Client name>/Invoices`, `/Receipts` and
`/Sales documents` (labels localisable) and remembers their Dropbox **ids**. Paths are
looked up from the ids when needed, so a client renaming or moving a folder breaks
nothing: documents keep flowing to the right workspace with the right kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.errors import PathConflict, PathNotFound
from liasse.connectors.dropbox.models import FolderMetadata
from liasse.connectors.dropbox.writeback import sanitise_name
from liasse.domain.ports import SourceEntry

DocumentKind = Literal["invoice", "receipt", "sales_document"]
KINDS: tuple[DocumentKind, ...] = ("invoice", "receipt", "sales_document")
ENGLISH_LABELS: Mapping[DocumentKind, str] = {
    "invoice": "Invoices",
    "receipt": "Receipts",
    "sales_document": "Sales documents",
}
FRENCH_LABELS: Mapping[DocumentKind, str] = {
    "invoice": "Factures",
    "receipt": "Reçus",
    "sales_document": "Documents de vente",
}


@dataclass(frozen=True)
class ClientFolders:
    """A client's folders by id: `root_id` is the client folder, `folder_ids` its three kinds."""

    client_name: str
    root_id: str
    folder_ids: Mapping[DocumentKind, str]


@dataclass(frozen=True)
class Placement:
    client: ClientFolders
    kind: DocumentKind


@dataclass(frozen=True)
class FolderLocator:
    """Current folder paths (resolved from ids) and what each one feeds."""

    folders: tuple[tuple[str, Placement], ...]

    def place(self, entry: SourceEntry) -> Placement | None:
        """Which client and document kind a listed file belongs to (None: neither)."""
        entry_lower = entry.path.lower()
        for prefix, placement in self.folders:
            if entry_lower.startswith(prefix):
                return placement
        return None


class FirmFolders:
    def __init__(self, client: DropboxClient) -> None:
        self.client = client

    def enable_client(self, root: str, client_name: str,
                      labels: Mapping[DocumentKind, str] = ENGLISH_LABELS) -> ClientFolders:
        """Create (or adopt, when already there) the client's folders; returns their ids."""
        client_root = f"{root.rstrip('/')}/{sanitise_name(client_name)}"
        root_folder = self._ensure_folder(client_root)
        folder_ids = {
            kind: self._ensure_folder(f"{client_root}/{sanitise_name(labels[kind])}").id
            for kind in KINDS
        }
        return ClientFolders(client_name, root_folder.id, folder_ids)

    def resolve(self, folder_id: str) -> str | None:
        """The folder's current path, wherever it was moved; None once it is deleted."""
        try:
            metadata = self.client.get_metadata(folder_id)
        except PathNotFound:
            return None
        return metadata.path_display if isinstance(metadata, FolderMetadata) else None

    def locate(self, clients: Iterable[ClientFolders]) -> FolderLocator:
        """Resolve every client folder once, for placing a page of entries."""
        located = []
        for client in clients:
            for kind, folder_id in client.folder_ids.items():
                path = self.resolve(folder_id)
                if path is not None:
                    located.append((path.lower() + "/", Placement(client, kind)))
        # Deepest folder first: a kind folder moved inside another one still wins.
        located.sort(key=lambda item: len(item[0]), reverse=True)
        return FolderLocator(tuple(located))

    def _ensure_folder(self, path: str) -> FolderMetadata:
        try:
            return self.client.create_folder(path)
        except PathConflict:
            existing = self.client.get_metadata(path)
            if isinstance(existing, FolderMetadata):
                return existing
            raise
