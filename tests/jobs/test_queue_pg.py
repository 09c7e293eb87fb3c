"""The job queue on a real PostgreSQL with real `liasse worker` processes.

- a job is written in the transaction of the state change that calls for it: rolled back
  with it, kept with it;
- two workers never read the same document twice;
- a worker SIGKILLed mid-job: its job goes back to the queue and another worker ends it;
- the per-connection window limit holds with two workers asking for windows at once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from reliability import facturx_pdf, siren_with_check

from liasse.app.jobs import queue
from liasse.app.jobs.queue import QueueJobs, defer_window, make_defer_app
from liasse.app.services import Services, open_services
from liasse.app.settings import Settings, load_settings
from liasse.app.setup import initialise
from liasse.store import jobs_repo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.tables import AuditEvent, Document

pytestmark = pytest.mark.postgres
READ_STATES = ("fetched", "extracted")


@pytest.fixture
def world(postgres_database: str, clean_environment: Path, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[tuple[Settings, Services]]:
    monkeypatch.setenv("LIASSE_DATABASE_URL", postgres_database)
    monkeypatch.setenv("LIASSE_QONTO__MODE", "off")
    monkeypatch.setenv("LIASSE_INBOX__SETTLE_SECONDS", "0")
    monkeypatch.setenv("LIASSE_INBOX__POLL_SECONDS", "3600")  # one window an hour
    monkeypatch.setenv("LIASSE_JOBS__HEARTBEAT_SECONDS", "0.5")
    monkeypatch.setenv("LIASSE_JOBS__STALLED_SECONDS", "2")
    monkeypatch.setenv("LIASSE_JOBS__RECOVER_EVERY_SECONDS", "1")
    settings = load_settings()
    initialise(settings)
    services = open_services(settings)
    yield settings, services
    services.close()


def _invoices(folder: Path, count: int) -> None:
    for index in range(count):
        siren = siren_with_check(20_000_000 + index * 7_919)
        (folder / f"facture-{index:03d}.pdf").write_bytes(
            facturx_pdf(f"JOB-{index:04d}", Decimal(100 + index), f"Fournisseur {index} SARL",
                        siren))


def _inbox(services: Services) -> tuple[str, str]:
    with services.repo(ConnectionRepo) as repo:
        connection = repo.connection_by_name("inbox")
        assert connection is not None
        return repo.workspace_id, connection.id


def _worker(tmp_path: Path, name: str) -> tuple[subprocess.Popen[bytes], Path]:
    log = tmp_path / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "liasse", "worker", "--name", name],
        stdout=log.open("wb"), stderr=subprocess.STDOUT, env={**os.environ})
    return process, log


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait(condition: Callable[[], bool], seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def _waiting_to_read(services: Services) -> int:
    with services.sessions.begin() as session:
        return int(session.scalar(select(func.count()).select_from(Document).where(
            Document.state.in_(READ_STATES))) or 0)


def _documents(services: Services) -> int:
    with services.sessions.begin() as session:
        return int(session.scalar(select(func.count()).select_from(Document)) or 0)


def _reads_per_document(services: Services) -> Counter[str]:
    with services.sessions.begin() as session:
        return Counter(session.scalars(select(AuditEvent.subject_id).where(
            AuditEvent.actor == "step:extract")).all())


def _jobs(services: Services, where: str = "true") -> int:
    with services.sessions.begin() as session:
        return int(session.execute(text(
            f"SELECT count(*) FROM procrastinate_jobs WHERE {where}")  # noqa: S608
        ).scalar() or 0)


def test_a_job_is_written_and_rolled_back_with_its_state_change(
        world: tuple[Settings, Services]) -> None:
    _, services = world
    app = make_defer_app(services)
    jobs = QueueJobs(app, services, "default")
    workspace_id, _ = _inbox(services)

    def fetched_document(sha: str, *, commit: bool) -> None:
        session = services.sessions()
        with session.begin():
            repo = DocumentRepo(session, workspace_id)
            document = repo.create_document(sha256=sha * 64, size=1, file_name=f"{sha}.pdf",
                                            media_type="application/pdf", actor="test")
            session.flush()
            jobs.document_fetched(session, document.id)
            jobs.document_fetched(session, document.id)  # queued once: its queueing lock
            if not commit:
                session.rollback()
        session.close()

    fetched_document("a", commit=False)
    assert _documents(services) == 0
    assert _jobs(services) == 0
    fetched_document("b", commit=True)
    assert _documents(services) == 1
    assert _jobs(services, "task_name = 'liasse:read' AND status = 'todo'") == 1
    # On the queue the task is declared on, where `liasse worker --queues documents` looks.
    assert _jobs(services, "task_name = 'liasse:read' AND queue_name = 'documents'") == 1


def test_a_chunk_job_covers_its_documents_and_the_rest_are_stragglers(
        world: tuple[Settings, Services]) -> None:
    _, services = world
    jobs = QueueJobs(make_defer_app(services), services, "default")
    workspace_id, _ = _inbox(services)
    with services.sessions.begin() as session:
        repo = DocumentRepo(session, workspace_id)
        ids = [repo.create_document(sha256=f"{index:064d}", size=1, file_name=f"{index}.pdf",
                                    media_type="application/pdf", actor="test").id
               for index in range(4)]
        session.flush()
        jobs.documents_fetched(session, ids[:3])
    with services.sessions.begin() as session:
        assert jobs_repo.documents_without_read_job(session, workspace_id) == [ids[3]]
    assert _jobs(services, "task_name = 'liasse:read' AND status = 'todo'") == 1


def test_two_workers_read_each_document_once(world: tuple[Settings, Services],
                                             tmp_path: Path) -> None:
    settings, services = world
    _invoices(settings.inbox_path, 30)
    app = make_defer_app(services)
    _, connection_id = _inbox(services)
    workers = [_worker(tmp_path, f"w{index}") for index in range(2)]
    try:
        # Both workers must be taking jobs before the window is queued: otherwise on a slow
        # machine the first one can read everything alone, and the test shows nothing.
        _wait(lambda: all("runs jobs" in log.read_text() for _, log in workers))
        with services.sessions.begin() as session:
            assert defer_window(session, app, "default", connection_id)
        _wait(lambda: _documents(services) == 30 and _waiting_to_read(services) == 0)
        _wait(lambda: _jobs(services, "status IN ('todo', 'doing') "
                                      "AND task_name <> 'liasse:retry_stalled'") == 0)
    finally:
        for process, _ in workers:
            _stop(process)
    reads = _reads_per_document(services)
    assert len(reads) == 30
    from liasse.app.reports import workspace_status

    jobs = workspace_status(services).to_json()["jobs"]
    assert jobs["waiting"] == 0 and jobs["failed"] == 0  # `liasse status --json` figures
    assert set(reads.values()) == {1}
    assert _jobs(services, "status = 'failed'") == 0


def test_a_killed_workers_job_completes_on_another(world: tuple[Settings, Services],
                                                   tmp_path: Path) -> None:
    settings, services = world
    _invoices(settings.inbox_path, 40)
    app = make_defer_app(services)
    _, connection_id = _inbox(services)
    first, _ = _worker(tmp_path, "first")
    second = None
    try:
        with services.sessions.begin() as session:
            defer_window(session, app, "default", connection_id)
        _wait(lambda: _jobs(services, "status = 'doing' AND task_name = 'liasse:read'") > 0)
        first.send_signal(signal.SIGKILL)
        first.wait()
        stalled = _jobs(services, "status = 'doing'")
        assert stalled >= 1  # the killed worker held a job
        second, _ = _worker(tmp_path, "second")
        _wait(lambda: _documents(services) == 40 and _waiting_to_read(services) == 0)
        _wait(lambda: _jobs(services, "status = 'doing'") == 0)
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
    reads = _reads_per_document(services)
    assert len(reads) == 40
    assert set(reads.values()) == {1}


def test_the_window_limit_holds_with_two_workers(world: tuple[Settings, Services],
                                                 tmp_path: Path) -> None:
    _, services = world
    app = make_defer_app(services)
    _, connection_id = _inbox(services)
    workers = [_worker(tmp_path, f"w{index}") for index in range(2)]
    try:
        _wait(lambda: all("Starting worker" in log.read_text() for _, log in workers))
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:  # a scheduler (or two) asking again and again
            with services.sessions.begin() as session:
                defer_window(session, app, "default", connection_id)
            time.sleep(0.1)
        _wait(lambda: _jobs(services, "status IN ('todo', 'doing') "
                                      "AND task_name = 'liasse:window'") == 0)
    finally:
        for process, _ in workers:
            _stop(process)
    text_ = "".join(log.read_text() for _, log in workers)
    assert text_.count("window ran") == 1, text_[-2000:]
    assert text_.count("window not due") >= 2


def test_a_worker_reading_beside_its_windows_stops_cleanly_on_sigterm(
        world: tuple[Settings, Services], tmp_path: Path) -> None:
    """Its two procrastinate workers (documents; windows and posting) stop together, each
    after the job in hand, and the process ends as one that was asked to."""
    process, log = _worker(tmp_path, "w-stop")
    try:
        _wait(lambda: "runs jobs" in log.read_text(errors="replace"))
        _wait(lambda: _registered_workers(world[1]) == 2)
        process.terminate()
        assert process.wait(timeout=30) == 0
    finally:
        _stop(process)


def _registered_workers(services: Services) -> int:
    with services.sessions.begin() as session:
        return int(session.execute(text(
            "SELECT count(*) FROM procrastinate_workers")).scalar() or 0)


def test_a_stalled_post_job_goes_back_though_its_twin_waits(
        world: tuple[Settings, Services]) -> None:
    """Approvals queue a post job while one runs; when the running one's worker dies, its
    retry met the waiting twin's queueing lock, failed at every recovery, and the twin
    waited forever on the dead job's lock (seen in bench/scale.py's SIGKILL run: 530
    documents left approved). The dead job goes back, the twin goes."""
    settings, services = world
    app = make_defer_app(services)
    workspace_id = queue.services_workspace_id(services, settings.workspace)

    def defer_post() -> None:
        with services.sessions.begin() as session:
            assert queue.defer_in(session, app, "post",
                                  queueing_lock=jobs_repo.post_lock(workspace_id),
                                  lock=f"posting:{workspace_id}", slug=settings.workspace)

    defer_post()
    with services.sessions.begin() as session:
        dead = session.execute(text("INSERT INTO procrastinate_workers (last_heartbeat) "
                                    "VALUES (now() - interval '1 hour') RETURNING id")).scalar()
        session.execute(text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w"),
                        {"w": dead})
    defer_post()  # the twin, queued while the first one ran

    async def recover() -> int:
        worker_app = queue.make_app(services)
        async with worker_app.open_async():
            return await queue.retry_stalled_jobs(worker_app, 60)

    assert asyncio.run(recover()) == 1
    with services.sessions.begin() as session:
        jobs = session.execute(text(
            "SELECT status::text, attempts FROM procrastinate_jobs ORDER BY id")).all()
    assert [tuple(job) for job in jobs] == [("todo", 1)]


def _post_jobs(services: Services) -> list[tuple[str, float]]:
    """(status, seconds until due) of every post job."""
    with services.sessions.begin() as session:
        rows = session.execute(text(
            "SELECT status::text, extract(epoch FROM coalesce(scheduled_at, now()) - now()) "
            "FROM procrastinate_jobs WHERE task_name = 'liasse:post' ORDER BY id")).all()
    return [(str(status), float(seconds)) for status, seconds in rows]


def test_approvals_queue_one_post_job_a_moment_ahead_while_reads_wait(
        world: tuple[Settings, Services]) -> None:
    """While read jobs wait, the first approval queues the post job `POST_DELAY_SECONDS`
    ahead and the approvals that follow meanwhile join its pass (76 passes for 700
    documents when it was due at once); the last approvals, no read job waiting, make it
    due at once (the delay would only be a wait)."""
    settings, services = world
    jobs = QueueJobs(make_defer_app(services), services, settings.workspace)
    with services.sessions.begin() as session:
        jobs.documents_fetched(session, ["a-document-to-read"])
    for _ in range(3):
        with services.sessions.begin() as session:
            jobs.documents_to_post(session)
    [(status, due_in)] = _post_jobs(services)
    assert status == "todo"
    assert 0 < due_in <= queue.POST_DELAY_SECONDS
    with services.sessions.begin() as session:
        session.execute(text("DELETE FROM procrastinate_jobs WHERE task_name = 'liasse:read'"))
    with services.sessions.begin() as session:
        jobs.documents_to_post(session)
    [(status, due_in)] = _post_jobs(services)
    assert status == "todo" and due_in <= 0


def test_with_no_read_waiting_an_approval_queues_the_post_job_due_at_once(
        world: tuple[Settings, Services]) -> None:
    settings, services = world
    jobs = QueueJobs(make_defer_app(services), services, settings.workspace)
    with services.sessions.begin() as session:
        jobs.documents_to_post(session)
    [(status, due_in)] = _post_jobs(services)
    assert status == "todo" and due_in <= 0


def _fetch_post_job(services: Services, worker_id: int) -> int | None:
    """What a worker's fetch (procrastinate's own function) takes from the outbox queue."""
    with services.sessions.begin() as session:
        return session.execute(text(
            "SELECT id FROM procrastinate_fetch_job_v2(ARRAY['outbox']::varchar[], :worker)"),
            {"worker": worker_id}).scalar()


def test_a_waiting_post_job_starts_only_after_the_approval_that_joined_it(
        world: tuple[Settings, Services]) -> None:
    """An approval that finds the post job waiting holds it until it commits: a worker
    that fetched it in between would post without that approval, and nothing would post
    it until the next window."""
    settings, services = world
    app = make_defer_app(services)
    workspace_id = queue.services_workspace_id(services, settings.workspace)
    with services.sessions.begin() as session:  # due at once, to be fetched
        assert queue.defer_in(session, app, "post",
                              queueing_lock=jobs_repo.post_lock(workspace_id),
                              lock=f"posting:{workspace_id}", slug=settings.workspace)
        worker_id = int(session.execute(text(
            "INSERT INTO procrastinate_workers DEFAULT VALUES RETURNING id")).scalar() or 0)
    jobs = QueueJobs(app, services, settings.workspace)
    with services.sessions.begin() as approval:
        jobs.documents_to_post(approval)  # finds it waiting: holds it
        assert _fetch_post_job(services, worker_id) is None
    assert _fetch_post_job(services, worker_id) is not None
    assert [status for status, _ in _post_jobs(services)] == ["doing"]


def test_an_approval_queues_another_post_job_when_the_waiting_one_just_started(
        world: tuple[Settings, Services], monkeypatch: pytest.MonkeyPatch) -> None:
    """Between the refused insert and the hold, a worker took the waiting job: it will not
    see this approval, so the approval queues the next one."""
    settings, services = world
    jobs = QueueJobs(make_defer_app(services), services, settings.workspace)
    with services.sessions.begin() as session:
        jobs.documents_to_post(session)
    hold = jobs_repo.hold_waiting_job

    def started_meanwhile(session: Session, queueing_lock: str, *, due_now: bool) -> bool:
        session.execute(text("UPDATE procrastinate_jobs SET status = 'doing'"))
        return hold(session, queueing_lock, due_now=due_now)

    monkeypatch.setattr(jobs_repo, "hold_waiting_job", started_meanwhile)
    with services.sessions.begin() as session:
        jobs.documents_to_post(session)
    assert [status for status, _ in _post_jobs(services)] == ["doing", "todo"]


def test_a_worker_process_counts_as_one_live_worker(world: tuple[Settings, Services],
                                                    tmp_path: Path) -> None:
    """A `liasse worker` runs two procrastinate workers (documents; windows and posting):
    `liasse status`, the status page and `/metrics` count processes, not those."""
    process, log = _worker(tmp_path, "w-count")
    try:
        _wait(lambda: "runs jobs" in log.read_text(errors="replace"))
        _wait(lambda: _registered_workers(world[1]) == 2)
        _wait(lambda: _named_workers(world[1]) == 2)
        assert _live_workers(world[1]) == 1
        with world[1].sessions.begin() as session:  # one started by other means
            session.execute(text("INSERT INTO procrastinate_workers DEFAULT VALUES"))
        assert _live_workers(world[1]) == 2
    finally:
        _stop(process)
    assert _named_workers(world[1]) == 0  # unregistered as it stopped: its names went too


def _named_workers(services: Services) -> int:
    with services.sessions.begin() as session:
        return int(session.execute(text(
            "SELECT count(*) FROM procrastinate_worker_processes")).scalar() or 0)


def _live_workers(services: Services) -> int:
    with services.sessions.begin() as session:
        figures = jobs_repo.queue_figures(session, live_within_seconds=60)
    assert figures is not None
    return figures.live_workers
