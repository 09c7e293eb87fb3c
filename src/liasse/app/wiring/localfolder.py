"""Local folders (the inbox of `make run`, or any folder on the machine): a document
source, polled every `inbox.poll_seconds`; nothing to authenticate, nothing to forget."""

from __future__ import annotations

from pathlib import Path

from liasse.app.services import Services
from liasse.connectors.localfolder import LocalFolderSource
from liasse.domain.ports import DocumentSource
from liasse.store.tables import Connection

KIND = "localfolder"


def source(services: Services, workspace_id: str, connection: Connection
           ) -> DocumentSource | None:
    settings = services.settings
    root = Path(connection.read_config().path or settings.inbox_path)
    return LocalFolderSource(root, settle_seconds=settings.inbox.settle_seconds)


def forget(services: Services, workspace_id: str, connection_id: str) -> None:
    """No secret is kept for a local folder."""
