"""The job queue: procrastinate on PostgreSQL, jobs deferred in the caller's transaction.

Why procrastinate's "external connection": `Task.configure(connection=…)` writes the job
with the psycopg connection it is given. Handing it the connection under the SQLAlchemy
session of the state change puts the job's row in the same transaction as the change
that calls for it, so a rollback or a crash drops both, and a commit keeps both. (A
separate jobs outbox drained later would add a poll and a second write per document.)
Each defer runs in a savepoint: a job already waiting under the same queueing lock makes
PostgreSQL refuse the insert, and only the savepoint is rolled back, never the change.

Locks:
- queueing locks: one waiting read job per document, one waiting post job per workspace,
  one waiting window job per connection (a scheduler that defers twice adds nothing);
- locks: a document's jobs run one at a time, and so do a connection's windows and a
  workspace's posting, whichever worker fetches them;
- a post job is queued a second ahead while read jobs wait (their approvals join its
  pass), and an approval that finds one waiting holds its row until it commits, so no
  worker starts that pass without it (`defer_post`).

Stalled jobs: every worker sends a heartbeat; a periodic task in every worker retries the
running jobs of workers silent for `jobs.stalled_seconds` (a worker killed mid-job), and
the retried job's owner id is its job id, so it takes back its claims at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import procrastinate
from procrastinate import exceptions as procrastinate_errors
from procrastinate import worker as procrastinate_worker
from sqlalchemy.orm import Session

from liasse.app.jobs import tasks
from liasse.app.services import Services
from liasse.domain.printable import PrintableFormatter
from liasse.enrich.classifier import AccountClassifier
from liasse.extract.cascade import extract_document
from liasse.extract.reader_start import start_reader
from liasse.samples.corpus import generate
from liasse.store import jobs_repo
from liasse.store import repo as store_repo
from liasse.store.connections_repo import ConnectionRepo
from liasse.sync.pipeline import new_claim_owner

log = logging.getLogger("liasse.app.jobs")

NAMESPACE = "liasse"
QUEUES = ("windows", "documents", "outbox")
RETRY = procrastinate.RetryStrategy(max_attempts=5, exponential_wait=5)
# While read jobs wait, an approval queues its workspace's post job this long ahead, so
# that the approvals of the read jobs ending meanwhile find it waiting and join its pass:
# due at once, a pass ran after nearly every read job (76 passes for 700 documents), each
# reading every approved document again and paying a job's round trips. Once no read job
# waits, the last approvals are posted at once (the delay was then only a wait).
POST_DELAY_SECONDS = 1.0
# How often the slot that runs windows and posting looks for a job that came due: a job
# queued ahead sends no notification when its time comes, and procrastinate's own poll
# (every 5 s) would have made a post job wait five times as long as it was meant to.
DUE_POLL_SECONDS = 0.25
# Times a post job is queued or a waiting one held before the approval gives up (and is
# retried whole): each miss means a post job started meanwhile, so a second try succeeds.
POST_DEFER_ATTEMPTS = 5

blueprint = procrastinate.Blueprint()


class _Worker:
    """The services of this worker process, set by `run_worker` before any job runs."""

    services: Services | None = None
    app: procrastinate.App | None = None
    pipelines: tasks.PipelineCache | None = None
    # A job sink per workspace, kept as long as its pipeline: it looks the workspace's id
    # up once, not in every job that approves a document.
    sinks: dict[str, tuple[float, QueueJobs]] = {}  # noqa: RUF012 (one process)


def _sink(app: procrastinate.App, services: Services, slug: str) -> QueueJobs:
    now = time.monotonic()
    cached = _Worker.sinks.get(slug)
    if cached is None or now - cached[0] > tasks.PIPELINE_TTL_SECONDS:
        cached = _Worker.sinks[slug] = (now, QueueJobs(app, services, slug))
    return cached[1]


def _services() -> tuple[Services, procrastinate.App, tasks.PipelineCache]:
    if _Worker.services is None or _Worker.app is None or _Worker.pipelines is None:
        raise RuntimeError("liasse jobs run in `liasse worker`, which opens the services")
    return _Worker.services, _Worker.app, _Worker.pipelines


def _owner(context: procrastinate.JobContext) -> str:
    job = context.job
    return f"job:{job.id}"


# The queue each task is declared on: a task deferred by name alone would land in
# procrastinate's "default" queue, where `liasse worker --queues …` never looks.
TASK_QUEUES: dict[str, str] = {"window": "windows", "read": "documents", "post": "outbox"}


@blueprint.task(name="window", queue=TASK_QUEUES["window"], pass_context=True, retry=RETRY)
def window_task(context: procrastinate.JobContext, slug: str, connection_id: str,
                force: bool = False) -> dict[str, int] | None:
    services, app, _ = _services()
    counts = tasks.window_job(services, _sink(app, services, slug), slug, connection_id,
                              owner=_owner(context), force=force)
    if counts is None:
        log.info("%s/%s: window not due (or another holds its lease)", slug, connection_id)
    else:
        log.info("%s/%s: window ran: %s", slug, connection_id, counts)
    return counts


@blueprint.task(name="read", queue=TASK_QUEUES["read"], pass_context=True, retry=RETRY)
def read_task(context: procrastinate.JobContext, slug: str,
              document_ids: list[str] | None = None, document_id: str | None = None
              ) -> dict[str, int]:
    # `document_id`: a job of one document, queued before read jobs took chunks.
    ids = document_ids if document_ids is not None else [document_id or ""]
    services, app, pipelines = _services()
    return tasks.read_job(pipelines, _sink(app, services, slug), slug, ids,
                          owner=_owner(context))


@blueprint.task(name="post", queue=TASK_QUEUES["post"], pass_context=True, retry=RETRY)
def post_task(context: procrastinate.JobContext, slug: str) -> dict[str, int]:
    services, app, pipelines = _services()
    return tasks.post_job(pipelines, _sink(app, services, slug), slug,
                          owner=_owner(context))


async def retry_stalled_jobs(app: procrastinate.App, seconds: float) -> int:
    """Put back in the queue the running jobs of workers silent for `seconds`."""
    stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds))
    for job in stalled:
        log.warning("job %s (%s) of a silent worker goes back to the queue", job.id,
                    job.task_name)
        try:
            await app.job_manager.retry_job(job)
        except procrastinate_errors.UniqueViolation:
            # A twin waits under its queueing lock (a post job queued by approvals while
            # this one ran): the twin could never run, the stalled job holding the lock,
            # and the stalled job could never go back: nothing moved again. The stalled
            # job goes back (its owner id takes back its claims at once), the twin goes.
            await _drop_waiting_twins(app, job)
            await app.job_manager.retry_job(job)
    return len(stalled)


async def _drop_waiting_twins(app: procrastinate.App, job: procrastinate.jobs.Job) -> None:
    """Delete the waiting jobs of the same task and arguments under `job`'s queueing lock
    (they would do what `job` does); a different waiting job is left, and the retry fails
    again as it did."""
    for waiting in await app.job_manager.list_jobs_async(queueing_lock=job.queueing_lock,
                                                          status="todo"):
        if waiting.task_name == job.task_name and waiting.task_kwargs == job.task_kwargs:
            log.warning("job %s waits for what job %s does: dropped", waiting.id, job.id)
            await app.job_manager.cancel_job_by_id_async(waiting.id or 0, delete_job=True)


def connector_url(database_url: str) -> str:
    """libpq's form of the URL (SQLAlchemy's driver suffix dropped)."""
    scheme, rest = database_url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


def make_app(services: Services) -> procrastinate.App:
    if services.settings.is_sqlite:
        raise ValueError("the job queue needs PostgreSQL: on SQLite `liasse run` does "
                         "every job itself")
    connector = procrastinate.PsycopgConnector(
        conninfo=connector_url(services.settings.resolved_database_url))
    app = procrastinate.App(connector=connector)
    app.add_tasks_from(blueprint, namespace=NAMESPACE)
    every = services.settings.jobs.recover_every_seconds
    stalled_after = services.settings.jobs.stalled_seconds

    @app.periodic(cron=f"* * * * * */{every}", periodic_id="retry-stalled")
    @app.task(name=f"{NAMESPACE}:retry_stalled", queueing_lock="retry-stalled",
              queue="windows")
    async def retry_stalled(timestamp: int) -> int:
        return await retry_stalled_jobs(app, stalled_after)

    return app


def make_defer_app(services: Services) -> procrastinate.App:
    """An app that only defers jobs, through the caller's own connection (sync code): the
    tasks are named, not imported, so the web app and the scheduler need no worker."""
    if services.settings.is_sqlite:
        raise ValueError("the job queue needs PostgreSQL")
    return procrastinate.App(connector=procrastinate.SyncPsycopgConnector(
        conninfo=connector_url(services.settings.resolved_database_url)))


def defer_in(session: Session, app: procrastinate.App, task: str, *, queueing_lock: str,
             lock: str, schedule_in: float | None = None, **kwargs: Any) -> bool:
    """Write a job in the session's transaction, due in `schedule_in` seconds (else at
    once); False when one already waits under the same queueing lock (that one will do
    the work)."""
    options: dict[str, Any] = {}
    if schedule_in is not None:
        options["schedule_in"] = {"seconds": schedule_in}
    # procrastinate's own statement runs inside a savepoint on the session's connection:
    # a refused insert then costs only what follows the savepoint, never the state change.
    try:
        with jobs_repo.driver_savepoint(session) as raw:
            app.configure_task(name=f"{NAMESPACE}:{task}", queue=TASK_QUEUES[task],
                               queueing_lock=queueing_lock, lock=lock,
                               connection=raw, **options).defer(**kwargs)
    except procrastinate_errors.AlreadyEnqueued:
        return False
    return True


def defer_post(session: Session, app: procrastinate.App, slug: str, workspace_id: str
               ) -> None:
    """The workspace's post job, queued in the session's transaction (`POST_DELAY_SECONDS`
    ahead while read jobs wait, else due at once), or the one already waiting held until
    that transaction ends (and made due at once when no read job waits).

    Why hold it: a post job that starts between this approval's refused insert and its
    commit would not see the approval, and nothing would post it until the next window.
    A row lock on the waiting job makes every worker's fetch (`FOR UPDATE SKIP LOCKED`)
    pass it by until then, so the pass that absorbs an approval always sees it (and a
    finished pass needs no follow-up pass "in case")."""
    queueing_lock = jobs_repo.post_lock(workspace_id)
    last = not jobs_repo.jobs_waiting(session, f"{NAMESPACE}:read", slug)
    for _ in range(POST_DEFER_ATTEMPTS):
        if defer_in(session, app, "post", queueing_lock=queueing_lock,
                    lock=f"posting:{workspace_id}",
                    schedule_in=None if last else POST_DELAY_SECONDS, slug=slug):
            return
        if jobs_repo.hold_waiting_job(session, queueing_lock, due_now=last):
            return
        # The waiting one started meanwhile (it will not see this approval): queue another.
    raise RuntimeError(f"no post job could be queued for workspace {slug!r}")


class QueueJobs:
    """The `JobSink` of a pipeline whose next steps are jobs (one workspace)."""

    def __init__(self, app: procrastinate.App, services: Services, slug: str) -> None:
        self._app = app
        self._services = services
        self._slug = slug
        self._workspace_id: str | None = None

    def _workspace(self, session: Session) -> str:
        if self._workspace_id is None:
            workspace = store_repo.find_workspace_by_slug(session, self._slug)
            if workspace is None:
                raise LookupError(f"workspace {self._slug!r} does not exist")
            self._workspace_id = workspace.id
        return self._workspace_id

    def document_fetched(self, session: Session, document_id: str) -> None:
        self.documents_fetched(session, [document_id])

    def documents_fetched(self, session: Session, document_ids: Sequence[str]) -> None:
        # One job for a chunk: procrastinate's own round trips (fetch, start, finish) and a
        # read job's set-up were paid for each document. Its locks are the first document's;
        # each document is still claimed on its own, so one in two jobs is read once.
        first = document_ids[0]
        defer_in(session, self._app, "read", queueing_lock=jobs_repo.read_lock(first),
                 lock=f"document:{first}", slug=self._slug, document_ids=list(document_ids))

    def documents_to_post(self, session: Session) -> None:
        defer_post(session, self._app, self._slug, self._workspace(session))


def defer_window(session: Session, app: procrastinate.App, slug: str, connection_id: str, *,
                 force: bool = False) -> bool:
    return defer_in(session, app, "window", queueing_lock=jobs_repo.window_lock(connection_id),
                    lock=f"connection:{connection_id}", slug=slug,
                    connection_id=connection_id, force=force)


def defer_due_windows(services: Services, app: procrastinate.App, owner: str) -> int:
    """A window job for each connection that is due (the scheduler's tick on PostgreSQL)."""
    deferred = 0
    for slug, connection_id in tasks.due_windows(services, owner):
        with services.sessions.begin() as session:
            deferred += int(defer_window(session, app, slug, connection_id))
    return deferred


def defer_window_now(services: Services, app: procrastinate.App, slug: str,
                     connection_id: str) -> bool:
    """The instant watcher's short window: queued now, whether or not the interval ran out."""
    with services.sessions.begin() as session:
        ConnectionRepo(session, services_workspace_id(services, slug)).get_connection(
            connection_id)  # raises for a connection of another workspace
        return defer_window(session, app, slug, connection_id, force=True)


def services_workspace_id(services: Services, slug: str) -> str:
    with services.repo(ConnectionRepo, slug) as repo:
        return repo.workspace_id


def warm_reading() -> None:
    """Each of the reader's children reads a generated sample now: its first document
    loads what reading needs (about half a second), which the worker's first job paid."""
    sample = next(document for document in generate(4, seed=1, scans=False)
                  if document.suffix == ".pdf")
    children = os.cpu_count() or 1  # the reader's pool, one document each at once
    with ThreadPoolExecutor(max_workers=children, thread_name_prefix="liasse-warm") as pool:
        list(pool.map(lambda _: extract_document(sample.data, file=sample.name),
                      range(children)))


def run_worker(services: Services, *, concurrency: int = 1,
               queues: list[str] | None = None, name: str | None = None,
               on_ready: Callable[[], None] | None = None) -> None:
    """Run jobs until SIGINT/SIGTERM (the job in hand finishes first); `on_ready` is
    called once the worker's one-off start-up is done, just before the first job."""
    handler = logging.StreamHandler()
    handler.setFormatter(PrintableFormatter("%(asctime)s %(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    for chatty in ("alembic", "httpx"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    app = make_app(services)
    # The worker's app is opened on an async connector; the jobs its tasks defer go
    # through the task's own SQLAlchemy connection, which needs the sync connector's code.
    _Worker.services = services
    _Worker.app = make_defer_app(services)
    _Worker.pipelines = tasks.PipelineCache(services)
    settings = services.settings.jobs
    options: dict[str, Any] = {
        "concurrency": concurrency,
        "update_heartbeat_interval": settings.heartbeat_seconds,
        "stalled_worker_timeout": settings.stalled_seconds,
        "delete_jobs": "successful",  # failed ones stay, for `liasse status` and a person
        "install_signal_handlers": True,
    }
    # The reader's children start now, side by side with the classifier's import, not in
    # the worker's first read job (seen as a first job three to eight times as long).
    start_reader()
    AccountClassifier.preload()  # else the first enrichment of a worker waits for it
    warm_reading()
    if on_ready is not None:
        on_ready()
    process = new_claim_owner()  # host:pid and a token (a pid is reused after a restart)
    run_slots(app, [{**options, **slot} for slot in worker_slots(queues, name)],
              on_registered=lambda ids: _record_process(services, ids, process))


def _record_process(services: Services, worker_ids: list[int], process: str) -> None:
    with services.sessions.begin() as session:
        jobs_repo.record_worker_process(session, worker_ids, process)


# Queues whose jobs mostly wait (on the source, the blob store's disk, Qonto): they run
# beside the reading, not in its place.
WAITING_QUEUES = ("windows", "outbox")


def worker_slots(queues: Sequence[str] | None, name: str | None) -> list[dict[str, Any]]:
    """The procrastinate workers of one `liasse worker`: the documents queue, and beside it
    the windows and the posting. With one set of slots for every queue, a window (a first
    sync fetched 700 files in 4.8 s, mostly waiting) or a post job held the slot, and the
    worker's core was idle for that long: a seventh of a one-worker run, a third of each
    worker's time in a two-worker one. Each gets `--concurrency` slots."""
    chosen = list(queues or QUEUES)
    groups = [group for group in ([queue for queue in chosen if queue not in WAITING_QUEUES],
                                  [queue for queue in chosen if queue in WAITING_QUEUES])
              if group]
    if len(groups) == 1:
        return [{"queues": groups[0], **({"name": name} if name else {}),
                 **_due_poll(groups[0])}]
    label = name or "worker"
    return [{"queues": group, "name": f"{label}/{'+'.join(group)}", **_due_poll(group)}
            for group in groups]


def _due_poll(queues: Sequence[str]) -> dict[str, Any]:
    """The slot that posts looks for due jobs often: post jobs are queued ahead."""
    return {"fetch_job_polling_interval": DUE_POLL_SECONDS} if "outbox" in queues else {}


RecordWorkers = Callable[[list[int]], None]
# How long the procrastinate workers of a process may take to register before the process
# is named without the late ones (they then count as processes of their own).
REGISTER_SECONDS = 30.0


def run_slots(app: procrastinate.App, slots: list[dict[str, Any]],
              on_registered: RecordWorkers | None = None) -> None:
    """Run these procrastinate workers side by side in one event loop until SIGINT or
    SIGTERM; each finishes the jobs in hand first (procrastinate's graceful stop).
    `on_registered` gets their ids in procrastinate's table once they are registered (in
    a thread: it may wait on the database)."""
    if len(slots) == 1:
        app.run_worker(**slots[0])  # one worker: it is its process, nothing to name
        return
    asyncio.run(_side_by_side(app, slots, on_registered))


async def _registered(workers: list[procrastinate_worker.Worker],
                      on_registered: RecordWorkers) -> None:
    """Call `on_registered` once every worker has its id (they register at their start)."""
    deadline = time.monotonic() + REGISTER_SECONDS
    while any(worker.worker_id is None for worker in workers) \
            and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    ids = [worker.worker_id for worker in workers if worker.worker_id is not None]
    await asyncio.to_thread(on_registered, ids)


async def _side_by_side(app: procrastinate.App, slots: list[dict[str, Any]],
                        on_registered: RecordWorkers | None) -> None:
    async with app.open_async():
        # The workers are made here, not by `app.run_worker_async`: their ids are needed.
        workers = [procrastinate_worker.Worker(app=app, **{
            **app.worker_defaults, **slot, "install_signal_handlers": False})
            for slot in slots]
        runs = [asyncio.create_task(worker.run())  # type: ignore[no-untyped-call]
                for worker in workers]
        if on_registered is not None:
            # Part of the runs: one that fails (its database gone) stops the process too.
            runs.append(asyncio.create_task(_registered(workers, on_registered)))
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            # A cancelled worker stops as procrastinate's own signal handler stops it.
            loop.add_signal_handler(signum, lambda: [run.cancel() for run in runs])
        try:
            # One that fails (its database gone) stops the others: the process exits and
            # its supervisor restarts it whole.
            await asyncio.wait(runs, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            for run in runs:
                run.cancel()
            outcomes = await asyncio.gather(*runs, return_exceptions=True)
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
        failed = next((outcome for outcome in outcomes if isinstance(outcome, Exception)),
                      None)
        if failed is not None:
            raise failed
