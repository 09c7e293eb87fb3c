"""The job queue's figures (procrastinate's tables, PostgreSQL only): read for `liasse
status`, the status page and `/metrics`. Cross-workspace: the queue serves every workspace."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

# Queueing locks: at most one waiting job per document read and per workspace's posting.
READ_LOCK = "read:"
POST_LOCK = "post:"
WINDOW_LOCK = "window:"


@contextmanager
def driver_savepoint(session: Session) -> Iterator[Any]:
    """The session's own psycopg connection, inside a savepoint: procrastinate writes a job
    through it, in the caller's transaction. The savepoint is released when the block ends,
    rolled back (only what follows it) when the block raises, and the error goes on."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    raw.execute("SAVEPOINT liasse_defer")
    try:
        yield raw
    except BaseException:
        raw.execute("ROLLBACK TO SAVEPOINT liasse_defer")
        raise
    raw.execute("RELEASE SAVEPOINT liasse_defer")


def read_lock(document_id: str) -> str:
    return f"{READ_LOCK}{document_id}"


def post_lock(workspace_id: str) -> str:
    return f"{POST_LOCK}{workspace_id}"


def window_lock(connection_id: str) -> str:
    return f"{WINDOW_LOCK}{connection_id}"


def hold_waiting_job(session: Session, queueing_lock: str, *, due_now: bool = False) -> bool:
    """Lock the job waiting under `queueing_lock` until the session's transaction ends
    (workers fetch with `SKIP LOCKED`, so none starts it meanwhile), and make it due at
    once when `due_now`; False when none waits (it started, or was never there)."""
    if due_now:  # an update locks the row as well (NULL: due at once already)
        statement = ("UPDATE procrastinate_jobs SET scheduled_at = least(scheduled_at, now()) "
                     "WHERE queueing_lock = :lock AND status = 'todo' RETURNING id")
    else:
        statement = ("SELECT id FROM procrastinate_jobs WHERE queueing_lock = :lock "
                     "AND status = 'todo' FOR SHARE")
    return session.execute(text(statement), {"lock": queueing_lock}).first() is not None


def jobs_waiting(session: Session, task_name: str, slug: str) -> bool:
    """Whether jobs of this task wait for the workspace `slug` (its argument)."""
    return bool(session.execute(text(
        "SELECT EXISTS (SELECT 1 FROM procrastinate_jobs WHERE task_name = :task "
        "AND status = 'todo' AND args ->> 'slug' = :slug)"),
        {"task": task_name, "slug": slug}).scalar())


def documents_without_read_job(session: Session, workspace_id: str, limit: int = 500
                               ) -> list[str]:
    """Documents to read or route that no waiting or running job will take (a job of
    one document by its queueing lock, a job of a chunk by its arguments)."""
    rows = session.execute(text(
        "SELECT d.id FROM documents d WHERE d.workspace_id = :workspace "
        "AND d.state IN ('fetched', 'extracted') AND NOT EXISTS ("
        "SELECT 1 FROM procrastinate_jobs j WHERE j.status IN ('todo', 'doing') "
        "AND (j.queueing_lock = :prefix || d.id "
        "OR j.args -> 'document_ids' @> jsonb_build_array(d.id))) "
        "ORDER BY d.created_at LIMIT :limit"),
        {"workspace": workspace_id, "prefix": READ_LOCK, "limit": limit})
    return [str(row[0]) for row in rows]


def approved_without_post_job(session: Session, workspace_id: str) -> bool:
    """Whether approved documents wait with no post job waiting for this workspace."""
    return bool(session.execute(text(
        "SELECT EXISTS (SELECT 1 FROM documents d WHERE d.workspace_id = :workspace "
        "AND d.state = 'approved') AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j "
        "WHERE j.status = 'todo' AND j.queueing_lock = :lock)"),
        {"workspace": workspace_id, "lock": post_lock(workspace_id)}).scalar())


def record_worker_process(session: Session, worker_ids: Sequence[int], process: str) -> None:
    """Name the process these procrastinate workers run in (one `liasse worker`)."""
    session.execute(text(
        "INSERT INTO procrastinate_worker_processes (worker_id, process) "
        "VALUES (:worker, :process) ON CONFLICT (worker_id) DO NOTHING"),
        [{"worker": worker_id, "process": process} for worker_id in worker_ids])


@dataclass(frozen=True)
class QueueFigures:
    waiting: int  # jobs to do (due now or later)
    running: int
    failed: int
    oldest_waiting: datetime | None  # when the longest-waiting due job was queued
    live_workers: int
    by_queue: dict[str, int]  # jobs waiting per queue


def queue_figures(session: Session, *, live_within_seconds: float) -> QueueFigures | None:
    """The queue's figures; None when this database has no job queue (SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    counts = {str(status): int(count) for status, count in session.execute(text(
        "SELECT status::text, count(*) FROM procrastinate_jobs "
        "WHERE status IN ('todo', 'doing', 'failed') GROUP BY status"))}
    by_queue = {str(queue): int(count) for queue, count in session.execute(text(
        "SELECT queue_name, count(*) FROM procrastinate_jobs WHERE status = 'todo' "
        "GROUP BY queue_name ORDER BY queue_name"))}
    oldest = session.execute(text(
        "SELECT min(e.at) FROM procrastinate_jobs j JOIN procrastinate_events e "
        "ON e.job_id = j.id AND e.type = 'deferred' WHERE j.status = 'todo' "
        "AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())")).scalar()
    # Processes, not procrastinate workers: a `liasse worker` runs two of them. One that
    # names no process (started by other means) counts as a process of its own.
    workers = session.execute(text(
        "SELECT count(DISTINCT coalesce(p.process, 'worker:' || w.id)) "
        "FROM procrastinate_workers w LEFT JOIN procrastinate_worker_processes p "
        "ON p.worker_id = w.id "
        "WHERE w.last_heartbeat >= now() - make_interval(secs => :within)"),
        {"within": live_within_seconds}).scalar()
    return QueueFigures(
        waiting=int(counts.get("todo", 0)), running=int(counts.get("doing", 0)),
        failed=int(counts.get("failed", 0)), oldest_waiting=oldest,
        live_workers=int(workers or 0), by_queue={str(k): int(v) for k, v in by_queue.items()})
