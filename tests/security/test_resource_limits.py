"""Attack 2: one hostile document must not starve the server or the other workspaces.

A 596-byte PDF whose page is 14400 × 14400 points asked for a 3.6-gigapixel rendering at
300 dpi inside the server; a 9400² JPEG declaring 100 dpi was upscaled to 3.75 GB. Now
rendering, decoding and OCR run in the limited child process under a pixel budget, a
deadline and an address-space cap.
"""

from __future__ import annotations

import resource
import subprocess
import time
from pathlib import Path

import pytest

from liasse.app.scheduler import WindowScheduler
from liasse.app.services import open_services
from liasse.app.settings import load_settings
from liasse.app.setup import initialise
from liasse.extract.cascade import ExtractOptions, extract_document
from liasse.extract.ocr import PAGE_PIXEL_BUDGET, ocr_available, page_images
from liasse.extract.worker import IsolatedWorker, TimeLimitExceeded
from liasse.samples.corpus import build_document
from liasse.samples.hostile import big_jpeg, huge_page_pdf
from liasse.store import repo as store_repo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from processes import assert_ended

needs_tesseract = pytest.mark.skipif(not ocr_available(), reason="tesseract is not installed")


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@pytest.mark.parametrize("pages", [1, 50])
def test_a_huge_page_is_refused_with_a_reason_without_rendering(pages: int) -> None:
    data = huge_page_pdf(pages)
    assert pages > 1 or len(data) < 700
    started = time.perf_counter()
    result = extract_document(data, file="bomb.pdf")
    assert time.perf_counter() - started < ExtractOptions().ocr_time_limit_seconds
    assert result.confidence == 0.0
    assert any("too large to read within the pixel budget" in error
               for error in result.errors), result.errors


def test_a_big_jpeg_is_decoded_and_read_within_the_pixel_budget() -> None:
    (page,) = page_images(big_jpeg(), ".jpg", max_pages=1)
    assert page.image.width * page.image.height <= PAGE_PIXEL_BUDGET
    # A stated 100 dpi on a 3000-pixel photo: a 30-inch page, upscaled only to the budget.
    (page,) = page_images(big_jpeg(3000), ".jpg", max_pages=1)
    assert page.image.width > 3000 and page.image.width * page.image.height <= PAGE_PIXEL_BUDGET


def test_the_deadline_kills_the_child_and_the_programs_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    worker = IsolatedWorker()
    try:
        with pytest.raises(TimeLimitExceeded):
            worker.run(subprocess.call, ["sh", "-c", f"echo $$ > {pid_file}; exec sleep 60"],
                       seconds=1.0)
    finally:
        worker.close()
    assert_ended(pid_file)


@needs_tesseract
def test_hostile_documents_in_one_workspace_leave_the_others_window_on_time(
        clean_environment: Path, tmp_path: Path) -> None:
    deadline = 30.0
    settings = load_settings(qonto={"mode": "off"}, inbox={"settle_seconds": 0},
                             extraction={"ocr_time_limit_seconds": deadline})
    initialise(settings)
    (settings.inbox_path / "bomb.pdf").write_bytes(huge_page_pdf())
    (settings.inbox_path / "bomb-50.pdf").write_bytes(huge_page_pdf(pages=50))
    (settings.inbox_path / "photo.jpg").write_bytes(big_jpeg())
    other_inbox = tmp_path / "other-inbox"
    other_inbox.mkdir()
    (other_inbox / "invoice.pdf").write_bytes(build_document(0, seed=0, scans=False).data)
    services = open_services(settings)
    try:
        with services.sessions.begin() as session:
            other = store_repo.create_workspace(session, "other", "Other")
            ConnectionRepo(session, other.id).add_connection(
                "localfolder", "inbox", {"path": str(other_inbox)})
        baseline = peak_rss_bytes()
        started = time.perf_counter()
        runs = WindowScheduler(services).run_due()
        elapsed = time.perf_counter() - started
        states = {slug: _states(services, slug) for slug in ("default", "other")}
    finally:
        services.close()
    assert {run.workspace for run in runs} == {"default", "other"}
    assert states["default"] == {"bomb.pdf": "refused", "bomb-50.pdf": "refused",
                                 "photo.jpg": "refused"}
    assert states["other"]["invoice.pdf"] in ("approved", "in_review")
    assert elapsed < deadline  # the bombs cost their refusal, not their deadline
    assert peak_rss_bytes() - baseline < 150 * 1024**2  # the server never held a rendering


def _states(services: object, slug: str) -> dict[str, str]:
    from liasse.app.services import Services

    assert isinstance(services, Services)
    with services.repo(DocumentRepo, slug) as repo:
        return {d.file_name: d.state for d in repo.list_documents(limit=100)}



@needs_tesseract
def test_ocr_past_its_deadline_ends_the_document_with_the_reason() -> None:
    from liasse.samples.scan import ScanSettings, scan_document

    pdf = build_document(5, seed=0, scans=False).data  # several pages
    scan = ScanSettings(dpi=200, angle=1.0, blur_radius=0.5, noise_sigma=6.0, jpeg_quality=80)
    scanned = scan_document(pdf, ".pdf", scan, seed=2)
    started = time.perf_counter()
    result = extract_document(scanned, file="slow.pdf",
                              options=ExtractOptions(ocr="always", ocr_time_limit_seconds=0.5))
    assert time.perf_counter() - started < 10
    assert result.confidence == 0.0
    assert any("time limit" in error for error in result.errors), result.errors


def test_a_child_that_grew_is_replaced_so_its_memory_goes_back() -> None:
    pid = "__import__('os').getpid()"
    worker = IsolatedWorker()
    try:
        first = worker.run(eval, pid, seconds=30)
        worker.run(eval, "len(bytearray(64 * 1024**2))", seconds=30)  # small: kept
        assert worker.run(eval, pid, seconds=30) == first
        assert worker.run(eval, "len(bytearray(900 * 1024**2))", seconds=30) > 0
        assert worker.run(eval, pid, seconds=30) != first  # grown past 768 MiB: replaced
    finally:
        worker.close()


def test_a_child_of_a_large_parent_is_kept_while_it_stays_small() -> None:
    # Linux's ru_maxrss survives exec: a child forked from a large process used to report
    # the parent's size and be replaced after every answer.
    ballast = b"\x01" * (900 * 1024**2)
    pid = "__import__('os').getpid()"
    worker = IsolatedWorker()
    try:
        first = worker.run(eval, pid, seconds=30)
        worker.run(eval, "len(bytearray(64 * 1024**2))", seconds=30)
        assert worker.run(eval, pid, seconds=30) == first
    finally:
        worker.close()
        del ballast
