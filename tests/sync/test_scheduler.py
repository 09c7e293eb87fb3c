"""Windows per connection under a database lease that survives a crashed holder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from liasse.app.scheduler import LEASE, WindowScheduler
from liasse.app.services import Services, open_services
from liasse.app.settings import Settings, load_settings
from liasse.app.setup import initialise
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.views import ConnectionConfig

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def services(clean_environment: Path) -> Iterator[Services]:
    settings: Settings = load_settings(qonto={"mode": "off"},
                                       inbox={"settle_seconds": 0, "poll_seconds": 60})
    initialise(settings)
    services = open_services(settings)
    yield services
    services.close()


def inbox_id(services: Services) -> str:
    with services.repo(ConnectionRepo) as repo:
        connection = repo.connection_by_name("inbox")
        assert connection is not None
        return connection.id


def test_a_window_runs_then_waits_for_its_interval(services: Services) -> None:
    now = [T0]
    scheduler = WindowScheduler(services, owner="a", clock=lambda: now[0])
    (services.settings.inbox_path / "a.pdf").write_bytes(b"%PDF-1.4 x")
    runs = scheduler.run_due()
    assert [run.counts["discovered"] for run in runs] == [1]
    assert scheduler.run_due() == []  # not due again before its interval
    now[0] += timedelta(seconds=61)
    assert [run.counts["duplicates"] for run in scheduler.run_due()] == [1]


def test_a_held_lease_keeps_a_second_process_out_until_it_expires(services: Services) -> None:
    connection_id = inbox_id(services)
    with services.repo(ConnectionRepo) as repo:  # process "a" died mid-window, holding the lease
        assert repo.acquire_lease(connection_id, "a", T0, T0 + LEASE)
    other = WindowScheduler(services, owner="b", clock=lambda: T0 + timedelta(minutes=1))
    assert other.run_due() == []
    assert other.run_connection("default", connection_id, timedelta(seconds=60)) is None
    restarted = WindowScheduler(services, owner="a", clock=lambda: T0 + timedelta(minutes=1))
    assert [run.connection for run in restarted.run_due()] == [connection_id]
    later = WindowScheduler(services, owner="b", clock=lambda: T0 + LEASE + timedelta(hours=1))
    with services.repo(ConnectionRepo) as repo:
        assert repo.acquire_lease(connection_id, "a", T0 + LEASE, T0 + 2 * LEASE)
    assert later.run_connection("default", connection_id, timedelta(seconds=60)) is not None


def test_a_connection_that_needs_reconnecting_is_skipped(services: Services) -> None:
    with services.repo(ConnectionRepo) as repo:
        repo.set_connection_status(inbox_id(services), "needs_reconnect", "401")
    assert WindowScheduler(services, owner="a", clock=lambda: T0).run_due() == []


def test_remote_connections_poll_at_most_four_times_an_hour(services: Services) -> None:
    scheduler = WindowScheduler(services, owner="a")
    every = ConnectionConfig.of
    assert scheduler.interval("dropbox", every({"window_minutes": 1})) == timedelta(minutes=15)
    assert scheduler.interval("dropbox", every({"window_minutes": 60})) == timedelta(minutes=60)
    assert scheduler.interval("localfolder", ConnectionConfig()) == timedelta(seconds=60)
