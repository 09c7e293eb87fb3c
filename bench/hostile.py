"""Hostile documents: how long liasse takes to refuse them, and what they cost the server.

Run: `uv run python bench/hostile.py`. Reads each document with the real cascade (PDF
parsing and OCR in the limited child processes) and prints, per document, the seconds
until the answer, the first error, and how much the calling process's peak resident
memory grew; then a window of a clean workspace run right after the bombs of another.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from liasse.extract.cascade import extract_document
from liasse.samples.corpus import build_document
from liasse.samples.hostile import big_jpeg, huge_page_pdf


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_documents() -> None:
    documents = {"14400 pt page, 1 page": (huge_page_pdf(), "bomb.pdf"),
                 "14400 pt page, 50 pages": (huge_page_pdf(50), "bomb-50.pdf"),
                 "9400² JPEG at 100 dpi": (big_jpeg(), "photo.jpg"),
                 "a normal born-digital invoice": (build_document(0, seed=0, scans=False).data,
                                                   "invoice.pdf")}
    print(f"{'document':32} {'bytes':>9} {'seconds':>8} {'peak MiB +':>10}  answer")
    for label, (data, name) in documents.items():
        before, started = peak_mib(), time.perf_counter()
        result = extract_document(data, file=name)
        seconds = time.perf_counter() - started
        answer = result.errors[0] if result.errors else f"read, confidence {result.confidence:.2f}"
        print(f"{label:32} {len(data):>9} {seconds:>8.2f} {peak_mib() - before:>10.1f}  "
              f"{answer[:90]}")


def windows_after_bombs() -> None:
    import os

    from liasse.app.scheduler import WindowScheduler
    from liasse.app.services import open_services
    from liasse.app.settings import load_settings
    from liasse.app.setup import initialise
    from liasse.store import repo as store_repo
    from liasse.store.connections_repo import ConnectionRepo

    with tempfile.TemporaryDirectory() as home:
        os.environ["LIASSE_HOME"] = home
        settings = load_settings(qonto={"mode": "off"}, inbox={"settle_seconds": 0})
        initialise(settings)
        for pages in (1, 25, 50):  # three different files (the same one would be a duplicate)
            (settings.inbox_path / f"bomb-{pages}.pdf").write_bytes(huge_page_pdf(pages))
        other = Path(home) / "other-inbox"
        other.mkdir()
        (other / "invoice.pdf").write_bytes(build_document(0, seed=0, scans=False).data)
        services = open_services(settings)
        with services.sessions.begin() as session:
            workspace = store_repo.create_workspace(session, "other", "Other")
            ConnectionRepo(session, workspace.id).add_connection("localfolder", "inbox",
                                                                {"path": str(other)})
        started = time.perf_counter()
        runs = WindowScheduler(services).run_due()
        print(f"\nboth workspaces' windows (3 bombs in one, 1 invoice in the other): "
              f"{time.perf_counter() - started:.2f} s")
        for run in runs:
            print(f"  {run.workspace}: {run.counts}")
        services.close()


def main() -> None:
    print(f"python {sys.version.split()[0]}; calling process peak {peak_mib():.0f} MiB at start")
    read_documents()
    windows_after_bombs()


if __name__ == "__main__":
    main()
