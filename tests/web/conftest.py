"""Fixtures of the web tests: a filled workspace and a test client for the app."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from webworld import TEST_CONFIG, World, filled_world, login

from liasse.settings import Settings, load_settings
from liasse.web.app import create_app

TODAY = date(2026, 11, 10)


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    world = filled_world(settings)
    yield world
    world.services.close()


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.services, TEST_CONFIG, today=lambda: TODAY))


@pytest.fixture
def owner(client: TestClient) -> TestClient:
    assert login(client, "owner@example.com").status_code in (200, 303)
    return client


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (skipped without one, failed if one is required)."""
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
    client = TestClient(create_app(pg_world.services, TEST_CONFIG, today=lambda: TODAY))
    assert login(client, "owner@example.com").status_code in (200, 303)
    return client
