"""Shared fixtures: every test starts from a clean world (scrubbed env, fresh home and DB)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from liasse.app.settings import Settings, load_settings
from liasse.connectors.localfolder import LocalFolderSource
from liasse.domain.ports import InvoicePoster, WorkspaceContext
from liasse.enrich.baseline import ConfidenceEnricher
from liasse.store import migrate
from liasse.store import repo as store_repo
from liasse.store.blobs import BlobStore
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import make_engine, make_session_factory
from liasse.sync.pipeline import Pipeline
from scripted import PipelineFactory, ScriptedExtractor

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No LIASSE_* leaks in from the developer's shell; the home is a fresh folder."""
    for name in list(os.environ):
        if name.startswith("LIASSE_") and not name.startswith("LIASSE_TEST_") \
                and name != "LIASSE_REQUIRE_PG":
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("LIASSE_HOME", str(home))
    # The built-in Qonto sandbox listens on a free port so parallel runs never collide.
    monkeypatch.setenv("LIASSE_QONTO__SANDBOX_PORT", "0")
    return home


@pytest.fixture
def settings(clean_environment: Path) -> Settings:
    return load_settings(qonto={"mode": "off"}, inbox={"settle_seconds": 0})


def _postgres_admin_url() -> str | None:
    url = os.environ.get("LIASSE_TEST_PG_URL")
    if url is None and os.environ.get("LIASSE_REQUIRE_PG") == "1":
        pytest.fail("LIASSE_REQUIRE_PG=1 but no LIASSE_TEST_PG_URL: start it with scripts/pg.sh")
    return url


def _fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards (skipped without a server)."""
    admin_url = _postgres_admin_url()
    if admin_url is None:
        pytest.skip("no PostgreSQL for tests (make test starts one)")
    name = f"liasse_test_{uuid.uuid4().hex[:12]}"
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


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend (PostgreSQL: a new database per test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    yield from _fresh_postgres_database()


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for tests that have no SQLite side (jobs, queue pages)."""
    yield from _fresh_postgres_database()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def inbox_pipeline(engine: Engine, tmp_path: Path) -> PipelineFactory:
    """Builds the pipeline of workspace "acme" reading one local folder (`scripted.inbox_of`)
    with the scripted extractor and the confidence enricher; a test passes its poster, the
    workspace's own names and identifiers, and any other `Pipeline` field it changes."""

    def build(poster: InvoicePoster, *, own_names: tuple[str, ...] = (),
              own_identifiers: tuple[str, ...] = (), **changes: Any) -> Pipeline:
        sessions = make_session_factory(engine)
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        with sessions.begin() as session:
            workspace = store_repo.create_workspace(session, "acme", "Acme")
            connection = ConnectionRepo(session, workspace.id).add_connection(
                "localfolder", "inbox", {"path": str(inbox)})
        context = WorkspaceContext(workspace.id, own_names, own_identifiers,
                                   Decimal("0.55"), Decimal("0.85"))
        pipeline = Pipeline(
            sessions=sessions, blobs=BlobStore(tmp_path / "blobs"), context=context,
            sources={connection.id: LocalFolderSource(inbox, settle_seconds=0)},
            extractor=ScriptedExtractor(), enricher=ConfidenceEnricher(), poster=poster)
        return replace(pipeline, **changes)

    return build
