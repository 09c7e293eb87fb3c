"""Accounting firms: one Dropbox for the firm, one workspace per client fed by its folders.

`enable_client` creates the client's workspace (if absent) and its folders
`<root>/<Client name>/Invoices|Receipts|Sales documents` in the firm's Dropbox, then one
Dropbox connection per folder in the CLIENT's workspace, each saying which kind of
document its folder holds. The folders are tracked by id (`folder_id` in the config; the
pipeline lists them wherever they are now), so a client renaming its folder breaks
nothing. The firm's token is copied, still encrypted, into the client workspace's own
secret store: each workspace reads only its own secrets. `disable_client` stops the
client's connections (status `disabled`) and keeps every document and record. The firm's
own connection becomes a token holder: it is no longer listed, so no client document
ever lands in the firm's workspace.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from liasse.app.services import Services
from liasse.app.wiring import dropbox as dropbox_wiring
from liasse.app.wiring import wiring_for
from liasse.connectors.dropbox.firm import (
    ENGLISH_LABELS,
    FRENCH_LABELS,
    ClientFolders,
    DocumentKind,
    FirmFolders,
)
from liasse.store import repo as store_repo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo

DOCUMENT_KINDS: Mapping[DocumentKind, str] = {
    "invoice": "invoice", "receipt": "receipt", "sales_document": "sales",
}
ACTOR = "user:firm"
FIRM_ROOT = "firm_root"  # config flag of the firm's own connection: never listed itself
DISABLED = "disabled"
MAX_SLUG = 64
MESSAGES = {
    "no_connection": "the firm has no Dropbox connection named {name!r}",
    "not_dropbox": "{name!r} is a {kind} connection, not a Dropbox one",
    "not_connected": "the firm's Dropbox connection {name!r} has no token: connect it first",
    "enabled": "client folders enabled in the firm's Dropbox ({kind}: {path})",
    "disabled": "client disabled by the firm: sync stopped, data kept",
}


class FirmError(ValueError):
    """The firm's side is not ready (no such connection, not Dropbox, no token)."""


@dataclass(frozen=True)
class _FirmConnection:
    workspace_id: str
    connection_id: str
    root: str
    secret: dict[str, object]


def client_slug(client_name: str) -> str:
    """A workspace slug from a client's name: `Dupré & Fils` → `dupre-fils`."""
    ascii_name = unicodedata.normalize("NFKD", client_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return (slug or "client")[:MAX_SLUG].rstrip("-")


def folder_labels(*, french: bool) -> Mapping[DocumentKind, str]:
    """The client folders' names: Invoices / Receipts / Sales documents, or in French."""
    return FRENCH_LABELS if french else ENGLISH_LABELS


def connection_name(firm_connection_name: str, kind: DocumentKind) -> str:
    return f"{firm_connection_name}: {DOCUMENT_KINDS[kind]}"


def enable_client(services: Services, firm_connection_name: str, client_name: str, *,
                  labels: Mapping[DocumentKind, str] = ENGLISH_LABELS,
                  firm_slug: str | None = None) -> str:
    """Create (or adopt) the client's workspace, folders and connections; returns its slug."""
    firm = _firm_connection(services, firm_slug, firm_connection_name)
    client = dropbox_wiring.client(services, firm.workspace_id, firm.connection_id)
    folders = FirmFolders(client).enable_client(firm.root, client_name, labels)
    slug = _ensure_workspace(services, client_name)
    for kind, folder_id in folders.folder_ids.items():
        path = FirmFolders(client).resolve(folder_id) or ""
        _upsert_client_connection(services, slug, firm, firm_connection_name, folders,
                                  kind, path)
    return slug


def disable_client(services: Services, client_slug_: str) -> int:
    """Stop every firm-folder connection of the client; returns how many were stopped."""
    stopped = 0
    with services.repo(ConnectionRepo, client_slug_) as repo:
        documents = DocumentRepo(repo.session, repo.workspace_id)
        for connection in repo.list_connections():
            if connection.read_config().firm_connection_id and connection.status != DISABLED:
                repo.set_connection_status(connection.id, DISABLED, None)
                documents.add_audit("connection", connection.id, actor=ACTOR,
                                    reason=MESSAGES["disabled"])
                stopped += 1
    return stopped


def _firm_connection(services: Services, firm_slug: str | None, name: str) -> _FirmConnection:
    with services.repo(ConnectionRepo, firm_slug) as repo:
        connection = repo.connection_by_name(name)
        if connection is None:
            raise FirmError(MESSAGES["no_connection"].format(name=name))
        if not wiring_for(connection.kind).firm_folders:
            raise FirmError(MESSAGES["not_dropbox"].format(name=name, kind=connection.kind))
        workspace_id, connection_id = repo.workspace_id, connection.id
        root = connection.read_config().folder
        if not connection.read_config().firm_root:
            # From now on it holds the token and the root; its clients' files are theirs.
            connection.config = {**connection.config, FIRM_ROOT: True}
    secret = dropbox_wiring.secret(services, workspace_id, connection_id).load_json()
    if secret is None:
        raise FirmError(MESSAGES["not_connected"].format(name=name))
    return _FirmConnection(workspace_id, connection_id, root, secret)


def _ensure_workspace(services: Services, client_name: str) -> str:
    slug = client_slug(client_name)
    with services.sessions.begin() as session:
        if store_repo.find_workspace_by_slug(session, slug) is None:
            store_repo.create_workspace(session, slug, client_name)
    return slug


def _upsert_client_connection(services: Services, slug: str, firm: _FirmConnection,
                              firm_connection_name: str, folders: ClientFolders,
                              kind: DocumentKind, path: str) -> None:
    config = {
        "folder_id": folders.folder_ids[kind], "folder": path, "recursive": True,
        "document_kind": DOCUMENT_KINDS[kind], "write_back": False,
        "firm_connection_id": firm.connection_id, "client_folder_id": folders.root_id,
    }
    name = connection_name(firm_connection_name, kind)
    with services.repo(ConnectionRepo, slug) as repo:
        documents = DocumentRepo(repo.session, repo.workspace_id)
        connection = repo.connection_by_name(name)
        if connection is None:
            connection = repo.add_connection(dropbox_wiring.KIND, name, config)
        elif connection.read_config().folder_id != config["folder_id"]:
            connection.config, connection.cursor = config, None  # a new folder: list afresh
        repo.set_connection_status(connection.id, "active", None)
        documents.add_audit("connection", connection.id, actor=ACTOR,
                            reason=MESSAGES["enabled"].format(kind=DOCUMENT_KINDS[kind], path=path),
                            details=config)
        workspace_id, connection_id = repo.workspace_id, connection.id
    # The client workspace keeps its own encrypted copy: secrets never cross workspaces.
    dropbox_wiring.secret(services, workspace_id, connection_id).save_json(firm.secret)
