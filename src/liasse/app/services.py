"""The services of one entry point: settings in; the database, blob store and keys out.

Built once per command or process (`opened_services`, `open_services`) and passed down;
which implementation serves which port is `app.wiring`'s business, the pipelines are
built by `app.pipelines`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from liasse.app.settings import Settings, load_settings
from liasse.domain.ports import InvoicePoster
from liasse.store import migrate
from liasse.store import repo as store_repo
from liasse.store.blobs import BlobStorage, BlobStore, S3BlobStore
from liasse.store.copy import CopyReport, copy_database
from liasse.store.db import make_engine, make_session_factory
from liasse.store.secrets import Keyring, load_keyring
from liasse.store.tables import Workspace

if TYPE_CHECKING:
    pass



class WorkspaceBound(Protocol):
    """What every per-aggregate repository takes: a session and one workspace."""

    def __init__(self, session: Session, workspace_id: str) -> None: ...


RepoT = TypeVar("RepoT", bound=WorkspaceBound)


class NoWorkspace(LookupError):
    """The configured workspace does not exist yet: `liasse init` creates it."""


class NotInitialised(LookupError):
    """The home was never set up: commands other than `init` and `run` say so instead of
    creating an empty database behind the user's back."""


def require_initialised(settings: Settings) -> None:
    if settings.is_sqlite and not settings.sqlite_path.is_file():
        raise NotInitialised(f"liasse is not set up in {settings.home}: run `liasse init` "
                             "first (or set LIASSE_HOME to the home you set up)")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: BlobStorage
    poster: InvoicePoster | None = None

    def keyring(self) -> Keyring:
        return load_keyring(
            env_key=self.settings.secret_key,
            key_file=self.settings.key_file,
            production=self.settings.environment == "production",
        )

    @contextmanager
    def repo(self, kind: type[RepoT], slug: str | None = None) -> Iterator[RepoT]:
        """One transaction on one workspace, through the repository of the aggregate the
        caller touches (`ConnectionRepo`, `DocumentRepo`, `SupplierRepo`…)."""
        with self.sessions.begin() as session:
            workspace = find_workspace(session, slug or self.settings.workspace)
            yield kind(session, workspace.id)

    def close(self) -> None:
        self.engine.dispose()


def open_services(settings: Settings, *, migrate_schema: bool = True) -> Services:
    """Connect and bring the schema up to date. Production refuses to run without a key."""
    if settings.environment == "production":
        load_keyring(env_key=settings.secret_key, key_file=settings.key_file, production=True)
    engine = make_engine(settings.resolved_database_url)
    if migrate_schema:
        migrate.upgrade(engine)
    return Services(settings, engine, make_session_factory(engine), open_blob_store(settings))


def open_blob_store(settings: Settings) -> BlobStorage:
    """The S3-compatible bucket when `blobs.url` names one, else the home's blob folder."""
    blobs = settings.blobs
    if blobs.url is None:
        return BlobStore(settings.blob_path)
    secret = blobs.secret_access_key
    return S3BlobStore.from_url(
        blobs.url, endpoint_url=blobs.endpoint_url, region=blobs.region,
        access_key_id=blobs.access_key_id,
        secret_access_key=secret.get_secret_value() if secret else None,
    )


def copy_installation(settings: Settings, target_url: str) -> CopyReport:
    """Copy this installation's database (every row, secrets still encrypted) into the
    empty database at `target_url`; the blobs and the master key stay where they are."""
    require_initialised(settings)  # nothing to copy, and no empty database made here
    if not target_url.startswith("postgresql://"):
        raise ValueError("the copy goes to PostgreSQL: give a postgresql://… URL")
    source = make_engine(settings.resolved_database_url)
    target = make_engine(target_url)
    try:
        return copy_database(source, target)
    finally:
        source.dispose()
        target.dispose()


@contextmanager
def opened_services(settings: Settings | None = None) -> Iterator[Services]:
    """Services for one command: settings read from the environment, closed at the end."""
    settings = settings or load_settings()
    if settings.environment == "production":  # the missing key is the first thing to fix
        load_keyring(env_key=settings.secret_key, key_file=settings.key_file, production=True)
    require_initialised(settings)
    services = open_services(settings)
    try:
        yield services
    finally:
        services.close()


def find_workspace(session: Session, slug: str) -> Workspace:
    workspace = store_repo.find_workspace_by_slug(session, slug)
    if workspace is None:
        raise NoWorkspace(f"workspace {slug!r} does not exist: run `liasse init`")
    return workspace
