"""A workspace's data for its owner (GDPR): export everything, erase everything, and let
originals go once the retention period has passed.

An export is one zip: `records/<table>.json` for every table holding the workspace's rows
(documents with their fields, the audit trail, suppliers, matches, bank lines…) and
`originals/` with every stored file. Secrets are not exported.

An erasure deletes every row and every original no other workspace shares, then rotates
the master key (when it lives in the key file) and deletes the old one: a copy of the
database taken before still holds the erased workspace's wrapped data key, and nothing can
unwrap it any more. Both are recorded in `privacy_events`, which the erasure keeps.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from liasse.app.services import NoWorkspace, Services
from liasse.store import privacy_repo
from liasse.store import repo as store_repo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.secrets import forget_previous_key, rotate_key_file
from liasse.store.tables import utcnow

_UNSAFE_NAME = re.compile(r"[^\w.\-]+")
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class ExportReport:
    slug: str
    files: int
    rows: int


@dataclass(frozen=True)
class EraseReport:
    slug: str
    rows: int
    files_deleted: int
    files_kept_shared: int
    master_key_rotated: bool


def _workspace_id(services: Services, slug: str) -> str:
    with services.sessions.begin() as session:
        found = store_repo.find_workspace_by_slug(session, slug)
        if found is None:
            raise NoWorkspace(f"no workspace {slug!r}")
        return found.id


def export_workspace(services: Services, slug: str, out: IO[bytes], *, actor: str
                     ) -> ExportReport:
    """Write the workspace's records and originals as a zip into `out`."""
    workspace_id = _workspace_id(services, slug)
    with services.sessions.begin() as session:
        rows = privacy_repo.export_rows(session, workspace_id)
        files = privacy_repo.document_files(session, workspace_id)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table, table_rows in rows.items():
            archive.writestr(f"records/{table}.json",
                             json.dumps(table_rows, indent=1, ensure_ascii=False, default=str))
        written = 0
        for document_id, sha256, file_name in files:
            if services.blobs.exists(sha256):  # gone after the retention period
                archive.writestr(f"originals/{document_id}-{_safe(file_name)}",
                                 services.blobs.read_bytes(sha256))
                written += 1
    report = ExportReport(slug, written, sum(len(table_rows) for table_rows in rows.values()))
    _record(services, slug, workspace_id, "export", actor,
            {"files": report.files, "rows": report.rows})
    return report


def export_workspace_to(services: Services, slug: str, path: Path, *, actor: str
                        ) -> ExportReport:
    """`export_workspace` into a file created 0600 (it holds every invoice)."""
    path.touch(mode=0o600, exist_ok=False)
    with path.open("wb") as out:
        return export_workspace(services, slug, out, actor=actor)


def _safe(file_name: str) -> str:
    return _UNSAFE_NAME.sub("_", file_name)[-120:] or "file"


def erase_workspace(services: Services, slug: str, *, actor: str) -> EraseReport:
    """Delete every row and original of the workspace; its data key becomes unreadable."""
    workspace_id = _workspace_id(services, slug)
    with services.sessions.begin() as session:
        hashes = {sha256 for _, sha256, _ in privacy_repo.document_files(session, workspace_id)}
        shared = privacy_repo.hashes_used_elsewhere(session, workspace_id, hashes)
        counts = privacy_repo.erase_rows(session, workspace_id)
    deleted = sum(services.blobs.delete(sha256) for sha256 in hashes - shared)
    rotated = _retire_master_key(services)
    report = EraseReport(slug, sum(counts.values()), deleted, len(shared), rotated)
    _record(services, slug, workspace_id, "erase", actor,
            {"rows": counts, "files_deleted": deleted, "files_kept_shared": len(shared),
             "master_key_rotated": rotated})
    return report


def _retire_master_key(services: Services) -> bool:
    """A new master key for the remaining workspaces, the old one deleted: the erased
    workspace's data key, in any copy of the database, can no longer be unwrapped."""
    if services.settings.secret_key is not None:
        return False  # the key is the operator's: they rotate LIASSE_SECRET_KEY themselves
    key_file = services.settings.key_file
    with services.sessions.begin() as session:
        rotate_key_file(session, services.keyring(), key_file)
    with services.sessions.begin() as session:
        return forget_previous_key(session, key_file)


def _record(services: Services, slug: str, workspace_id: str, action: str, actor: str,
            details: dict[str, object]) -> None:
    with services.sessions.begin() as session:
        privacy_repo.record_privacy_event(session, slug=slug, workspace_id=workspace_id,
                                          action=action, actor=actor, details=details,
                                          at=utcnow())


def purge_expired_originals(services: Services, now: datetime) -> int:
    """Delete the originals of documents received more than `retention_years` ago (the
    records and their audit trail stay); the number of files deleted."""
    years = services.settings.privacy.retention_years
    if years is None:
        return 0
    cutoff = now - timedelta(days=years * DAYS_PER_YEAR)
    with services.sessions.begin() as session:
        expired = [row for row in privacy_repo.originals_received_before(session, cutoff)
                   if services.blobs.exists(row[2])]
        still_needed = privacy_repo.hashes_still_kept(session, {row[2] for row in expired},
                                                      cutoff)
        deleted = 0
        for workspace_id, document_id, sha256 in expired:
            if sha256 in still_needed:
                continue
            if services.blobs.delete(sha256):
                deleted += 1
            DocumentRepo(session, workspace_id).add_audit(
                "document", document_id, actor="retention",
                reason=f"original deleted: received more than {years} years ago "
                       "(retention setting)")
    return deleted
