"""The status page's job queue: its figures on PostgreSQL, one process said plainly on SQLite.

On PostgreSQL the jobs are real procrastinate jobs deferred the way the pipeline defers
them, a failed one is failed by procrastinate's own status column and a live worker is the
heartbeat row a `liasse worker` keeps fresh.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from webworld import World, defer_read_jobs, run_sql


def test_sqlite_says_everything_runs_in_one_process(owner: TestClient) -> None:
    page = owner.get("/w/default/status").text
    assert 'id="jobs-single-process"' in page and "runs every job in this one process" in page
    assert 'id="jobs"' not in page
    french = owner.get("/w/default/status", headers={"Accept-Language": "fr"}).text
    assert "exécute toutes les tâches dans ce seul processus" in french


def _jobs_table(page: str) -> str:
    return page.split('id="jobs"', 1)[1].split("</table>", 1)[0]


def _cell(table: str, name: str) -> str:
    return table.split(f'class="{name}', 1)[1].split(">", 1)[1].split("</td>", 1)[0]


def test_postgresql_shows_waiting_running_failed_oldest_and_workers(
        pg_world: World, pg_owner: TestClient) -> None:
    empty = _jobs_table(pg_owner.get("/w/default/status").text)
    assert _cell(empty, "num jobs-waiting") == "0" and "none" in _cell(empty, "jobs-oldest")
    page = pg_owner.get("/w/default/status").text
    assert 'id="jobs-no-worker"' in page and 'id="jobs-single-process"' not in page

    defer_read_jobs(pg_world, 3)
    run_sql(pg_world, "UPDATE procrastinate_jobs SET status = 'doing' WHERE id = "
                   "(SELECT min(id) FROM procrastinate_jobs)")
    run_sql(pg_world, "UPDATE procrastinate_jobs SET status = 'failed' WHERE id = "
                   "(SELECT max(id) FROM procrastinate_jobs)")
    run_sql(pg_world, "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now())")
    # A worker silent for longer than the stalled-job limit is not live.
    run_sql(pg_world, "INSERT INTO procrastinate_workers (last_heartbeat) "
                   "VALUES (now() - interval '1 hour')")

    page = pg_owner.get("/w/default/status").text
    table = _jobs_table(page)
    assert _cell(table, "num jobs-waiting") == "1"
    assert _cell(table, "num jobs-running") == "1"
    assert _cell(table, "num jobs-failed") == "1"
    assert _cell(table, "num jobs-workers") == "1"
    with pg_world.services.sessions.begin() as session:
        queue = session.execute(text("SELECT queue_name FROM procrastinate_jobs "
                                     "WHERE status = 'todo'")).scalar_one()
    assert _cell(table, "jobs-by-queue") == f"{queue} 1"
    assert "none" not in _cell(table, "jobs-oldest")
    assert 'id="jobs-no-worker"' not in page and 'id="jobs-failed-hint"' in page

    french = pg_owner.get("/w/default/status", headers={"Accept-Language": "fr"}).text
    assert "File des tâches" in french and "Workers actifs" in french
