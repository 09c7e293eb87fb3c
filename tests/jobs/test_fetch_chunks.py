"""A fetch for workers stores a chunk of files in one go: a second copy of a content in
the same chunk is its document's duplicate, and a file another window settled meanwhile is
left to it (the chunk is then stored file by file), each document created once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine, select

from liasse.connectors.localfolder import LocalFolderSource
from liasse.domain.ports import SourceEntry, WorkspaceContext
from liasse.store import repo as store_repo
from liasse.store.blobs import BlobStore
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import make_session_factory
from liasse.store.documents_repo import DocumentRepo
from liasse.store.source_files_repo import SourceFileRepo
from liasse.store.tables import Document, SourceFile
from liasse.sync import steps
from liasse.sync.enrichment import StoreEnricher
from liasse.sync.pipeline import Pipeline


class Chunks:
    """A `JobSink` that keeps the read jobs' chunks."""

    def __init__(self) -> None:
        self.chunks: list[list[str]] = []

    def documents_fetched(self, session: object, document_ids: list[str]) -> None:
        self.chunks.append(list(document_ids))

    def documents_to_post(self, session: object) -> None:
        raise AssertionError("a fetch approves nothing")


class SettledMeanwhile(LocalFolderSource):
    """Another window settles `name` while this one downloads it."""

    def __init__(self, folder: Path, pipeline: list[Pipeline], name: str) -> None:
        super().__init__(folder, settle_seconds=0)
        self._pipeline, self._name = pipeline, name

    def fetch(self, entry: SourceEntry, sink: BinaryIO) -> None:
        super().fetch(entry, sink)
        if entry.path.endswith(self._name):
            pipeline = self._pipeline[0]
            with pipeline.sessions.begin() as session:
                files = SourceFileRepo(session, pipeline.workspace_id)
                row = session.scalars(select(SourceFile).where(
                    SourceFile.path == entry.path)).one()
                other = DocumentRepo(session, pipeline.workspace_id).create_document(
                    sha256="f" * 64, size=1, file_name=self._name,
                    media_type="application/pdf", actor="another window")
                assert files.settle_fetched_file(row.id, other.id, duplicate=False)


def _fetch(engine: Engine, tmp_path: Path, settled: str | None, vanished: str | None = None
           ) -> tuple[Chunks, Counter[str], steps.WindowCounts]:
    sessions = make_session_factory(engine)
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name, content in (("a.pdf", b"%PDF-1.4 one"), ("b.pdf", b"%PDF-1.4 one"),
                          ("c.pdf", b"%PDF-1.4 two"), ("d.pdf", b"%PDF-1.4 three")):
        (folder / name).write_bytes(content)
    with sessions.begin() as session:
        workspace = store_repo.create_workspace(session, "acme", "Acme")
        connection_id = ConnectionRepo(session, workspace.id).add_connection(
            "localfolder", "inbox", {"path": str(folder)}).id
    holder: list[Pipeline] = []
    source = (SettledMeanwhile(folder, holder, settled) if settled
              else LocalFolderSource(folder, settle_seconds=0))
    jobs = Chunks()
    pipeline = Pipeline(
        sessions=sessions, blobs=BlobStore(tmp_path / "blobs"),
        context=WorkspaceContext(workspace.id, ("Acme",), (), Decimal("0.5"), Decimal("0.8")),
        sources={connection_id: source}, extractor=None, enricher=StoreEnricher(sessions),
        poster=None, clock=lambda: datetime.now(UTC), jobs=jobs)
    holder.append(pipeline)
    counts = steps.WindowCounts()
    steps.intake(pipeline, connection_id, counts)
    if vanished:
        (folder / vanished).unlink()  # listed, then gone before its download
    steps.fetch(pipeline, counts)
    with sessions.begin() as session:
        names = Counter(session.scalars(select(Document.file_name)).all())
    return jobs, names, counts


def test_a_second_copy_in_the_same_chunk_is_a_duplicate(engine: Engine, tmp_path: Path
                                                        ) -> None:
    jobs, names, counts = _fetch(engine, tmp_path, settled=None)
    assert sorted(names) == ["a.pdf", "c.pdf", "d.pdf"] and max(names.values()) == 1
    assert [len(chunk) for chunk in jobs.chunks] == [3]
    assert counts.duplicates == 1


def test_a_file_another_window_settled_meanwhile_is_left_to_it(engine: Engine, tmp_path: Path
                                                               ) -> None:
    jobs, names, counts = _fetch(engine, tmp_path, settled="c.pdf")
    # c.pdf's document is the other window's (its made-up content), made once.
    assert sorted(names) == ["a.pdf", "c.pdf", "d.pdf"] and max(names.values()) == 1
    assert [len(chunk) for chunk in jobs.chunks] == [2]  # a and d: c is not this one's
    assert counts.duplicates == 1  # b, counted once though the chunk was stored twice


def test_a_file_gone_before_its_download_is_counted_once_and_the_rest_attached(
        engine: Engine, tmp_path: Path) -> None:
    """The chunk's files are downloaded side by side: one that vanished is marked and
    counted once; the others become documents all the same."""
    jobs, names, counts = _fetch(engine, tmp_path, settled=None, vanished="c.pdf")
    assert sorted(names) == ["a.pdf", "d.pdf"]
    assert [len(chunk) for chunk in jobs.chunks] == [2]
    assert (counts.failed, counts.duplicates) == (1, 1)
    with make_session_factory(engine).begin() as session:
        statuses = dict(session.execute(select(SourceFile.path, SourceFile.status)).all())
    assert [status for path, status in statuses.items() if path.endswith("c.pdf")] == [
        "vanished"]
