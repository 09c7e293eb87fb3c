from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from liasse.connectors.localfolder import LocalFolderSource, SourceFileVanished, is_candidate
from liasse.domain.ports import DocumentSource


def entries(source: LocalFolderSource) -> dict[str, str]:
    return {e.ref: e.version for page in source.changes(None) for e in page.entries}


def test_conforms_to_the_document_source_protocol(tmp_path: Path) -> None:
    assert isinstance(LocalFolderSource(tmp_path), DocumentSource)


@pytest.mark.parametrize(("name", "accepted"), [
    ("invoice.pdf", True), ("scan.JPG", True), ("e.xml", True), ("p.png", True),
    ("notes.txt", False), (".hidden.pdf", False), ("~$lock.pdf", False), ("a.pdf.part", False),
    ("download.tmp", False),
])
def test_file_filters(name: str, accepted: bool) -> None:
    assert is_candidate(name) is accepted


def test_waits_until_a_file_stops_changing(tmp_path: Path) -> None:
    now = [time.time()]
    source = LocalFolderSource(tmp_path, settle_seconds=5, clock=lambda: now[0])
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    assert entries(source) == {}
    now[0] += 6
    assert list(entries(source)) == ["a.pdf"]


def test_a_changed_file_is_a_new_version_and_nothing_is_modified(tmp_path: Path) -> None:
    source = LocalFolderSource(tmp_path, settle_seconds=0)
    path = tmp_path / "sub" / "a.pdf"
    path.parent.mkdir()
    path.write_bytes(b"%PDF-1.4 one")
    first = entries(source)
    os.utime(path, (time.time() + 10, time.time() + 10))
    path.write_bytes(b"%PDF-1.4 two, longer")
    second = entries(source)
    assert first.keys() == second.keys() == {"sub/a.pdf"}
    assert first["sub/a.pdf"] != second["sub/a.pdf"]
    sink = io.BytesIO()
    entry = next(e for page in source.changes(None) for e in page.entries)
    source.fetch(entry, sink)
    assert sink.getvalue() == b"%PDF-1.4 two, longer" == path.read_bytes()


def test_a_vanished_file_is_reported_clearly(tmp_path: Path) -> None:
    source = LocalFolderSource(tmp_path, settle_seconds=0)
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    entry = next(e for page in source.changes(None) for e in page.entries)
    (tmp_path / "a.pdf").unlink()
    with pytest.raises(SourceFileVanished, match="vanished"):
        source.fetch(entry, io.BytesIO())


def test_missing_folder_lists_nothing(tmp_path: Path) -> None:
    pages = list(LocalFolderSource(tmp_path / "nope").changes(None))
    assert [page.entries for page in pages] == [()]
