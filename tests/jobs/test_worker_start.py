"""A worker starts its reader's children, and has each read a sample, before it says it is
ready, so that its first read job does not pay for their start-up (three to eight times
the job's own time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from liasse.app.jobs import queue
from liasse.app.services import open_services
from liasse.app.settings import load_settings
from liasse.app.setup import initialise

pytestmark = pytest.mark.postgres


def test_the_reader_is_warm_before_the_worker_is_ready(
        postgres_database: str, clean_environment: Path, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    monkeypatch.setenv("LIASSE_DATABASE_URL", postgres_database)
    monkeypatch.setenv("LIASSE_QONTO__MODE", "off")
    settings = load_settings()
    initialise(settings)
    services = open_services(settings)
    seen: list[str] = []
    for name in ("services", "app", "pipelines"):  # restored after the test
        monkeypatch.setattr(queue._Worker, name, getattr(queue._Worker, name))
    monkeypatch.setattr(queue, "start_reader", lambda: seen.append("reader warming"))
    monkeypatch.setattr(queue, "warm_reading", lambda: seen.append("samples read"))
    monkeypatch.setattr(queue, "run_slots",
                        lambda app, slots, on_registered: seen.append("running jobs"))
    try:
        queue.run_worker(services, on_ready=lambda: seen.append("ready"))
    finally:
        services.close()
    assert seen == ["reader warming", "samples read", "ready", "running jobs"]


def test_each_reader_child_reads_a_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[bytes] = []
    monkeypatch.setattr(queue, "extract_document",
                        lambda data, *, file: read.append(data[:5]))
    monkeypatch.setattr(queue.os, "cpu_count", lambda: 3)
    queue.warm_reading()
    assert read == [b"%PDF-"] * 3


def test_windows_and_posting_run_beside_the_reading() -> None:
    """A window or a post job (mostly waiting on the source, the disk, Qonto) never holds
    the slot a read job would use: they are two procrastinate workers of one process."""
    often = {"fetch_job_polling_interval": queue.DUE_POLL_SECONDS}
    assert queue.worker_slots(None, "w0") == [
        {"queues": ["documents"], "name": "w0/documents"},
        {"queues": ["windows", "outbox"], "name": "w0/windows+outbox", **often}]
    assert queue.worker_slots(["documents", "outbox"], None) == [
        {"queues": ["documents"], "name": "worker/documents"},
        {"queues": ["outbox"], "name": "worker/outbox", **often}]


def test_a_worker_of_one_kind_of_queue_is_one_procrastinate_worker() -> None:
    assert queue.worker_slots(["windows", "outbox"], "io") == [
        {"queues": ["windows", "outbox"], "name": "io",
         "fetch_job_polling_interval": queue.DUE_POLL_SECONDS}]
    assert queue.worker_slots(["documents"], None) == [{"queues": ["documents"]}]


def test_the_posting_slot_looks_for_due_jobs_well_within_a_post_jobs_delay() -> None:
    """A post job is queued `POST_DELAY_SECONDS` ahead and no notification says when it
    is due: procrastinate's default poll (5 s) made it wait five times that."""
    assert queue.DUE_POLL_SECONDS <= queue.POST_DELAY_SECONDS / 2
