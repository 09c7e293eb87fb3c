"""Attack 1: a link planted in the inbox must not turn a private file into a "document".

Anyone who can write into the watched folder (a shared drive, a scanner's upload folder)
could link the master key, the session secret or the database there, and a viewer would
then download it from the document page. The inbox reads regular files only, and records
everything else as a refused source file with the reason.
"""

from __future__ import annotations

import io
import os
import socket
from pathlib import Path

import pytest
from webworld import World, invoice_file

from liasse.connectors.localfolder import REFUSALS, LocalFolderSource, refusal_of
from liasse.domain.ports import SourceFileRefused
from liasse.store.documents_repo import DocumentRepo
from liasse.store.source_files_repo import SourceFileRepo


def refused_files(world: World) -> dict[str, str | None]:
    with world.services.repo(SourceFileRepo) as repo:
        return {row.path: row.error for row in repo.list_source_files()
                if row.status == "refused"}


def document_names(world: World) -> set[str]:
    with world.services.repo(DocumentRepo) as repo:
        return {document.file_name for document in repo.list_documents(limit=1000)}


def test_a_link_to_the_master_key_is_refused_and_never_stored(world: World) -> None:
    key_file = world.settings.home / "master.key"
    (world.inbox / "scan-0001.pdf").symlink_to(key_file)
    (world.inbox / "scan-0002.pdf").symlink_to(world.settings.home / "liasse.db")
    (world.inbox / "scan-0003.pdf").symlink_to("/proc/self/environ")
    invoice_file(world.inbox, "real.pdf", 0.95)
    counts = world.run_window()
    assert document_names(world) == {"real.pdf"}
    assert refused_files(world) == dict.fromkeys(
        ("scan-0001.pdf", "scan-0002.pdf", "scan-0003.pdf"), REFUSALS["link"])
    assert (counts.discovered, counts.failed) == (1, 3)
    again = world.run_window()  # seen again: not counted again, not read
    assert (again.failed, again.duplicates, again.discovered) == (0, 1, 0)
    secret = key_file.read_bytes()
    stored = [path.read_bytes() for path in world.settings.blob_path.rglob("*")
              if path.is_file()]
    assert len(stored) == 1 and secret not in stored


def test_a_fifo_a_socket_and_a_directory_loop_are_refused_without_blocking(
        world: World) -> None:
    os.mkfifo(world.inbox / "pipe.pdf")  # reading it would block the window forever
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(world.inbox / "sock.pdf"))
    (world.inbox / "loop").symlink_to(world.inbox)
    (world.inbox / "home").symlink_to(world.settings.home)
    try:
        world.run_window()
    finally:
        listener.close()
    assert refused_files(world) == {
        "pipe.pdf": REFUSALS["fifo"], "sock.pdf": REFUSALS["socket"],
        "loop": REFUSALS["directory_link"], "home": REFUSALS["directory_link"]}
    assert document_names(world) == set()


def test_a_device_file_is_refused(tmp_path: Path) -> None:
    assert refusal_of(os.lstat("/dev/null")) == REFUSALS["device"]
    try:
        os.mknod(tmp_path / "disk.pdf", 0o600 | 0o020000, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD")
    entries = [e for page in LocalFolderSource(tmp_path, settle_seconds=0).changes(None)
               for e in page.entries]
    assert [(e.path, e.refused) for e in entries] == [("disk.pdf", REFUSALS["device"])]


def test_a_file_swapped_for_a_link_after_listing_is_not_read(tmp_path: Path) -> None:
    inbox, secret = tmp_path / "inbox", tmp_path / "secret.key"
    (inbox / "sub").mkdir(parents=True)
    secret.write_bytes(b"top secret")
    (inbox / "sub" / "a.pdf").write_bytes(b"%PDF-1.4")
    source = LocalFolderSource(inbox, settle_seconds=0)
    entry = next(e for page in source.changes(None) for e in page.entries)
    assert entry.refused is None
    (inbox / "sub" / "a.pdf").unlink()
    (inbox / "sub" / "a.pdf").symlink_to(secret)
    with pytest.raises(SourceFileRefused, match="symbolic link"):
        source.fetch(entry, io.BytesIO())
    # A directory on the way swapped for a link to elsewhere: refused as well.
    (inbox / "sub" / "a.pdf").unlink()
    (inbox / "sub").rmdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "a.pdf").write_bytes(b"private")
    (inbox / "sub").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(SourceFileRefused, match="directory"):
        source.fetch(entry, io.BytesIO())

