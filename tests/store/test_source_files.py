"""A page of listed files recorded at once: what one file at a time would have recorded."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from liasse.domain.ports import SourceEntry
from liasse.store import repo as store_repo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import make_session_factory
from liasse.store.documents_repo import DocumentRepo
from liasse.store.source_files_repo import SourceFileRepo
from liasse.store.tables import SourceFile

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _entry(ref: str, version: str = "1", path: str | None = None, **kwargs: object
           ) -> SourceEntry:
    return SourceEntry(ref=ref, path=path or f"/in/{ref}", version=version, size=10,
                       modified_at=NOW, **kwargs)  # type: ignore[arg-type]


def test_a_page_records_new_versions_once_and_finds_the_known_ones(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
        connection_id = ConnectionRepo(session, workspace_id).add_connection(
            "localfolder", "inbox", {"path": "/in"}).id
        repo = SourceFileRepo(session, workspace_id)
        first = repo.record_source_file(connection_id, _entry("a"))
    with sessions.begin() as session:
        repo = SourceFileRepo(session, workspace_id)
        page = [_entry("a", path="/in/moved/a"), _entry("b"), _entry("a", "2"), _entry("b"),
                _entry("c", refused="a link"), _entry("d", deleted=True)]
        recorded = repo.record_source_files(connection_id, page)
        assert [r.created for r in recorded] == [False, True, True, False, True, True]
        assert recorded[0].row.id == first.row.id and recorded[0].row.path == "/in/moved/a"
        assert recorded[1].row.id == recorded[3].row.id
        assert [r.row.status for r in recorded[4:]] == ["refused", "deleted"]
        assert recorded[4].row.error == "a link"
    with sessions.begin() as session:
        rows = session.scalar(select(func.count()).select_from(SourceFile))
        again = SourceFileRepo(session, workspace_id).record_source_files(connection_id, page)
    assert rows == 5
    assert not any(r.created for r in again)


def test_a_page_larger_than_one_statement_is_recorded_whole(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
        connection_id = ConnectionRepo(session, workspace_id).add_connection(
            "localfolder", "inbox", {"path": "/in"}).id
        page = [_entry(f"f{index:04d}") for index in range(1_201)]
        recorded = SourceFileRepo(session, workspace_id).record_source_files(connection_id, page)
    assert [r.row.ref for r in recorded] == [e.ref for e in page]
    assert all(r.created for r in recorded)


def test_many_fetched_files_are_settled_in_one_batch_unless_one_was_settled_first(
        engine: Engine) -> None:
    """A fetched chunk's files are settled together: all, or (another window settled one
    of them first) the caller learns it and writes none of them."""
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
        connection_id = ConnectionRepo(session, workspace_id).add_connection(
            "localfolder", "inbox", {"path": "/tmp/inbox"}).id
        files = SourceFileRepo(session, workspace_id)
        recorded = files.record_source_files(connection_id, [_entry(f"id:{n}") for n in range(3)])
        documents = DocumentRepo(session, workspace_id)
        made = [documents.create_document(sha256=f"{n:064d}", size=1, file_name=f"{n}.pdf",
                                          media_type="application/pdf", actor="test").id
                for n in range(2)]
        ids = [file.row.id for file in recorded]
        assert files.settle_fetched_files([(ids[0], made[0], False), (ids[1], made[0], True)])
    with sessions.begin() as session:
        files = SourceFileRepo(session, workspace_id)
        assert [(r.status, r.document_id, r.duplicate) for r in map(files.get_source_file,
                                                                    ids[:2])] == [
            ("fetched", made[0], False), ("duplicate", made[0], True)]
        # One of them settled already: refused, so that the caller writes none of them.
        assert not files.settle_fetched_files([(ids[2], made[1], False),
                                               (ids[0], made[1], False)])
