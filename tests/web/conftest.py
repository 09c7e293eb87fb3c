"""Fixtures of the web tests: a filled workspace and a test client for the app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from webworld import TEST_CONFIG, World, filled_world, login

from liasse.app.settings import Settings, load_settings
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
def pg_world(postgres_database: str, settings: Settings) -> Iterator[World]:
    world = filled_world(load_settings(database_url=postgres_database, qonto={"mode": "off"},
                                       inbox={"settle_seconds": 0}))
    yield world
    world.services.close()


@pytest.fixture
def pg_owner(pg_world: World) -> TestClient:
    client = TestClient(create_app(pg_world.services, TEST_CONFIG, today=lambda: TODAY))
    assert login(client, "owner@example.com").status_code in (200, 303)
    return client
