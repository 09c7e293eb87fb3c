"""The status page's job queue: its figures on PostgreSQL, one process said plainly on SQLite.

On PostgreSQL the jobs are real procrastinate jobs deferred the way the pipeline defers
them, a failed one is failed by procrastinate's own status column and a live worker is the
heartbeat row a `liasse worker` keeps fresh.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from webworld import TEST_CONFIG, World, filled_world, login

from liasse.jobs.queue import QueueJobs, make_defer_app
from liasse.settings import Settings, load_settings
from liasse.web.app import create_app


def test_sqlite_says_everything_runs_in_one_process(owner: TestClient) -> None:
    page = owner.get("/w/default/status").text
    assert 'id="jobs-single-process"' in page and "runs every job in this one process" in page
    assert 'id="jobs"' not in page
    french = owner.get("/w/default/status", headers={"Accept-Language": "fr"}).text
    assert "exécute toutes les tâches dans ce seul processus" in french


@pytest.fixture
def pg_database() -> Iterator[str]:
    admin_url = os.environ.get("LIASSE_TEST_PG_URL")
    if admin_url is None:
        if os.environ.get("LIASSE_REQUIRE_PG") == "1":
            pytest.fail("LIASSE_REQUIRE_PG=1 but no LIASSE_TEST_PG_URL")
        pytest.skip("no PostgreSQL for tests (make test starts one)")
    name = f"liasse_web_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_world(pg_database: str, settings: Settings) -> Iterator[World]:
    world = filled_world(load_settings(database_url=pg_database, qonto={"mode": "off"},
                                       inbox={"settle_seconds": 0}))
    yield world
    world.services.close()


@pytest.fixture
def pg_owner(pg_world: World) -> TestClient:
    client = TestClient(create_app(pg_world.services, TEST_CONFIG))
    assert login(client, "owner@example.com").status_code in (200, 303)
    return client


def _jobs_table(page: str) -> str:
    return page.split('id="jobs"', 1)[1].split("</table>", 1)[0]


def _cell(table: str, name: str) -> str:
    return table.split(f'class="{name}', 1)[1].split(">", 1)[1].split("</td>", 1)[0]


def _defer_reads(world: World, count: int) -> None:
    jobs = QueueJobs(make_defer_app(world.services), world.services, "default")
    with world.services.workspace_repo() as repo:
        documents = [d.id for d in repo.list_documents(limit=count)]
        for document_id in documents:
            jobs.document_fetched(repo.session, document_id)


def _sql(world: World, statement: str) -> None:
    with world.services.sessions.begin() as session:
        session.execute(text(statement))


def test_postgresql_shows_waiting_running_failed_oldest_and_workers(
        pg_world: World, pg_owner: TestClient) -> None:
    empty = _jobs_table(pg_owner.get("/w/default/status").text)
    assert _cell(empty, "num jobs-waiting") == "0" and "none" in _cell(empty, "jobs-oldest")
    page = pg_owner.get("/w/default/status").text
    assert 'id="jobs-no-worker"' in page and 'id="jobs-single-process"' not in page

    _defer_reads(pg_world, 3)
    _sql(pg_world, "UPDATE procrastinate_jobs SET status = 'doing' WHERE id = "
                   "(SELECT min(id) FROM procrastinate_jobs)")
    _sql(pg_world, "UPDATE procrastinate_jobs SET status = 'failed' WHERE id = "
                   "(SELECT max(id) FROM procrastinate_jobs)")
    _sql(pg_world, "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now())")
    # A worker silent for longer than the stalled-job limit is not live.
    _sql(pg_world, "INSERT INTO procrastinate_workers (last_heartbeat) "
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
