"""The files each connection listed, one row per file version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, or_, select, update

from liasse.domain.ports import SourceEntry
from liasse.store.db import insert_many_unless_present, insert_unless_present
from liasse.store.repo import BoundRepo
from liasse.store.tables import Connection, SourceFile, new_id, utcnow

# Entries recorded by one statement: 13 parameters each, well under SQLite's 32,766.
RECORD_BATCH = 500


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

    def record_source_files(self, connection_id: str, entries: Sequence[SourceEntry]
                            ) -> list[RecordedFile]:
        """`record_source_file` for a page of entries, in a few statements whatever its
        size (one file at a time cost three statements a file on a first sync)."""
        self._one(Connection, connection_id)  # refuses another workspace's connection
        if len(entries) > RECORD_BATCH:  # the database's limit on a statement's parameters
            return [recorded for start in range(0, len(entries), RECORD_BATCH)
                    for recorded in self.record_source_files(
                        connection_id, entries[start:start + RECORD_BATCH])]
        known = self._versions(connection_id, entries)
        new: dict[tuple[str, str], SourceEntry] = {}
        for entry in entries:
            if (entry.ref, entry.version) not in known:
                new.setdefault((entry.ref, entry.version), entry)
        inserted = insert_many_unless_present(self.session, SourceFile, [
            self._values(connection_id, entry) for entry in new.values()],
            ["connection_id", "ref", "version"])
        created = {(ref, version) for _, ref, version in inserted}
        rows = {**known, **self._versions(connection_id, list(new.values()))}
        recorded: list[RecordedFile] = []
        for entry in entries:
            key = (entry.ref, entry.version)
            row = rows[key]  # just written, by us or by another listing, if not known
            if key not in created and row.path != entry.path:
                row.path = entry.path  # renamed or moved: same file, same version
            recorded.append(RecordedFile(row, created=key in created))
            created.discard(key)  # the same version twice in a page: created once
        return recorded

    def _versions(self, connection_id: str, entries: Sequence[SourceEntry]
                  ) -> dict[tuple[str, str], SourceFile]:
        if not entries:
            return {}
        wanted = {(entry.ref, entry.version) for entry in entries}
        rows = self.session.scalars(select(SourceFile).where(
            SourceFile.workspace_id == self.workspace_id,
            SourceFile.connection_id == connection_id,
            SourceFile.ref.in_(sorted({ref for ref, _ in wanted})))).all()
        return {(row.ref, row.version): row for row in rows if (row.ref, row.version) in wanted}

    def _values(self, connection_id: str, entry: SourceEntry) -> dict[str, object]:
        return {
            "id": new_id(), "workspace_id": self.workspace_id, "connection_id": connection_id,
            "ref": entry.ref, "path": entry.path, "version": entry.version,
            "size": entry.size, "modified_at": entry.modified_at,
            "content_hash": entry.content_hash, "deleted": entry.deleted,
            "status": _initial_status(entry), "error": entry.refused,
            "seen_at": utcnow(), "duplicate": False,
        }

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

    def settle_fetched_files(self, settles: Sequence[tuple[str, str, bool]]) -> bool:
        """`settle_fetched_file` for many (file id, document id, duplicate), sent as one
        batch after the session's pending rows; False, and the caller's savepoint is to be
        rolled back, when another window settled one of them first."""
        if not settles:
            return True
        self.session.flush()  # the documents they point to go in first
        if not self.session.get_bind().dialect.supports_sane_multi_rowcount:
            return all(self.settle_fetched_file(file_id, document_id, duplicate=duplicate)
                       for file_id, document_id, duplicate in settles)
        result = self.session.connection().execute(
            update(SourceFile)
            .where(SourceFile.workspace_id == self.workspace_id,
                   SourceFile.id == bindparam("b_id"),
                   # Not IN (…): an executemany takes no expanding list.
                   or_(SourceFile.status == "discovered", SourceFile.status == "fetch_failed"))
            .values(document_id=bindparam("b_document"), duplicate=bindparam("b_duplicate"),
                    status=bindparam("b_status")),
            [{"b_id": file_id, "b_document": document_id, "b_duplicate": duplicate,
              "b_status": "duplicate" if duplicate else "fetched"}
             for file_id, document_id, duplicate in settles])
        return bool(result.rowcount == len(settles))

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

