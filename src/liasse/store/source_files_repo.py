"""The files each connection listed, one row per file version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update

from liasse.domain.ports import SourceEntry
from liasse.store.db import insert_unless_present
from liasse.store.repo import BoundRepo
from liasse.store.tables import Connection, SourceFile


@dataclass(frozen=True)
class RecordedFile:
    row: SourceFile
    created: bool


def _initial_status(entry: SourceEntry) -> str:
    if entry.deleted:
        return "deleted"
    return "refused" if entry.refused else "discovered"


class SourceFileRepo(BoundRepo):
    """One workspace's source files: recorded, fetched, settled."""

    def record_source_file(self, connection_id: str, entry: SourceEntry) -> RecordedFile:
        """Record one file version once: seeing it again returns the existing row.

        Two listings of one folder may record the same version at once (a backfill beside
        the window): the unique key decides, and the loser gets the winner's row."""
        self._one(Connection, connection_id)  # refuses another workspace's connection
        existing = self._source_file_version(connection_id, entry)
        if existing is not None:
            if existing.path != entry.path:  # renamed or moved: same file, same version
                existing.path = entry.path
            return RecordedFile(existing, created=False)
        values = {
            "workspace_id": self.workspace_id, "connection_id": connection_id,
            "ref": entry.ref, "path": entry.path, "version": entry.version,
            "size": entry.size, "modified_at": entry.modified_at,
            "content_hash": entry.content_hash, "deleted": entry.deleted,
            "status": _initial_status(entry), "error": entry.refused,
        }
        created = insert_unless_present(self.session, SourceFile, values,
                                        ["connection_id", "ref", "version"])
        row = self._source_file_version(connection_id, entry)
        assert row is not None  # just written, by us or by the other listing
        return RecordedFile(row, created=created)

    def _source_file_version(self, connection_id: str, entry: SourceEntry
                             ) -> SourceFile | None:
        return self.session.scalars(
            select(SourceFile).where(
                SourceFile.workspace_id == self.workspace_id,
                SourceFile.connection_id == connection_id,
                SourceFile.ref == entry.ref,
                SourceFile.version == entry.version,
            )
        ).first()

    def get_source_file(self, source_file_id: str) -> SourceFile:
        return self._one(SourceFile, source_file_id)

    def source_files_to_fetch(self, limit: int = 500) -> Sequence[SourceFile]:
        return self.session.scalars(
            select(SourceFile)
            .where(
                SourceFile.workspace_id == self.workspace_id,
                SourceFile.status.in_(("discovered", "fetch_failed")),
            )
            .order_by(SourceFile.seen_at)
            .limit(limit)
        ).all()

    def settle_fetched_file(self, source_file_id: str, document_id: str, *,
                            duplicate: bool) -> bool:
        """Attach a fetched file to its document, only if it still waits for a fetch;
        False when another window settled it first."""
        result = self.session.execute(
            update(SourceFile)
            .where(
                SourceFile.workspace_id == self.workspace_id,
                SourceFile.id == source_file_id,
                SourceFile.status.in_(("discovered", "fetch_failed")),
            )
            .values(document_id=document_id, duplicate=duplicate,
                    status="duplicate" if duplicate else "fetched")
            .execution_options(synchronize_session="fetch")
        )
        return bool(getattr(result, "rowcount", 0))

    def source_files_of_document(self, document_id: str) -> Sequence[SourceFile]:
        return self.session.scalars(
            select(SourceFile)
            .where(
                SourceFile.workspace_id == self.workspace_id,
                SourceFile.document_id == document_id,
            )
            .order_by(SourceFile.seen_at)
        ).all()

    def list_source_files(self, limit: int = 200, offset: int = 0) -> Sequence[SourceFile]:
        return self.session.scalars(
            select(SourceFile)
            .where(SourceFile.workspace_id == self.workspace_id)
            .order_by(SourceFile.seen_at.desc())
            .limit(limit)
            .offset(offset)
        ).all()

    def count_source_files_by_status(self) -> dict[str, int]:
        rows = self.session.execute(
            select(SourceFile.status, func.count())
            .where(SourceFile.workspace_id == self.workspace_id)
            .group_by(SourceFile.status)
        ).all()
        return {str(key): int(count) for key, count in rows}

