"""Composition root: Settings in, the wired services out. Built once per entry point.

Nothing else in liasse reads settings or chooses an implementation: the CLI and the web
app ask this module for what they need and pass it down.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from liasse.app.privatefiles import loose_paths, make_home_private
from liasse.app.settings import Settings
from liasse.connectors.localfolder import LocalFolderSource
from liasse.domain.extraction import ExtractionResult
from liasse.domain.identifiers import compact
from liasse.domain.ports import DocumentSource, Extractor, InvoicePoster, WorkspaceContext
from liasse.store import migrate
from liasse.store import repo as store_repo
from liasse.store.blobs import BlobStorage, BlobStore, S3BlobStore
from liasse.store.copy import CopyReport
from liasse.store.db import make_engine, make_session_factory, ping
from liasse.store.repo import WorkspaceRepo
from liasse.store.secrets import Keyring, SecretKeyError, ensure_key_file, load_keyring
from liasse.store.suppliers_repo import SupplierRepo
from liasse.store.tables import Workspace
from liasse.sync.enrichment import StoreEnricher
from liasse.sync.pipeline import Pipeline

if TYPE_CHECKING:
    from liasse.extract.memory import SupplierMemory

LOCAL_INBOX = "inbox"
DEMO_DAY_FILE = "demo-day"


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
    extras: dict[str, Any] = field(default_factory=dict)

    def keyring(self) -> Keyring:
        return load_keyring(
            env_key=self.settings.secret_key,
            key_file=self.settings.key_file,
            production=self.settings.environment == "production",
        )

    @contextmanager
    def workspace_repo(self, slug: str | None = None) -> Iterator[WorkspaceRepo]:
        with self.sessions.begin() as session:
            workspace = _find_workspace(session, slug or self.settings.workspace)
            yield WorkspaceRepo(session, workspace.id)

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
    from liasse.store.copy import copy_database

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
    from liasse.app.settings import load_settings

    settings = settings or load_settings()
    if settings.environment == "production":  # the missing key is the first thing to fix
        load_keyring(env_key=settings.secret_key, key_file=settings.key_file, production=True)
    require_initialised(settings)
    services = open_services(settings)
    try:
        yield services
    finally:
        services.close()


def _find_workspace(session: Session, slug: str) -> Workspace:
    workspace = store_repo.find_workspace_by_slug(session, slug)
    if workspace is None:
        raise NoWorkspace(f"workspace {slug!r} does not exist: run `liasse init`")
    return workspace


# --- init -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InitReport:
    home: Path
    inbox: Path
    key_created: bool
    workspace_created: bool
    demo_files: tuple[Path, ...]


def demo_day(settings: Settings, today: date) -> date:
    """The day the demo was first seeded in this home, recorded then (`today` the first
    time): the demo inbox and the sandbox's bank year are both drawn from it, so they
    agree even when `init --demo` and the first `run` happen on different days."""
    record = settings.home / DEMO_DAY_FILE
    try:
        return date.fromisoformat(record.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):  # not seeded yet, or a record someone mangled
        settings.home.mkdir(parents=True, exist_ok=True)
        record.write_text(today.isoformat() + "\n", encoding="utf-8")
        return today


def initialise(settings: Settings, *, demo: bool = False,
               today: date | None = None) -> InitReport:
    """Create the home, the master key, the schema, the workspace and its inbox; idempotent.
    The demo's invoices are dated from the day the demo is first seeded (`today`)."""
    make_home_private(settings)
    key_created = settings.secret_key is None and ensure_key_file(settings.key_file)
    settings.inbox_path.mkdir(parents=True, exist_ok=True)
    services = open_services(settings)
    try:
        workspace_created = _ensure_workspace(services, demo=demo)
    finally:
        services.close()
    make_home_private(settings)  # the database and blobs just created included
    demo_files: tuple[Path, ...] = ()
    if demo:
        from liasse.samples.inbox import write_demo_inbox

        day = demo_day(settings, today or date.today())
        demo_files = tuple(write_demo_inbox(settings.inbox_path, day))
    return InitReport(settings.home, settings.inbox_path, key_created, workspace_created,
                      demo_files)


def _ensure_workspace(services: Services, *, demo: bool) -> bool:
    settings = services.settings
    with services.sessions.begin() as session:
        workspace = store_repo.find_workspace_by_slug(session, settings.workspace)
        created = workspace is None
        if workspace is None:
            workspace = store_repo.create_workspace(
                session, settings.workspace, settings.workspace.title(),
                demo_company() if demo else {},
            )
        repo = WorkspaceRepo(session, workspace.id)
        if repo.connection_by_name(LOCAL_INBOX) is None:
            repo.add_connection("localfolder", LOCAL_INBOX, {"path": str(settings.inbox_path)})
        if demo and created:
            _seed_demo_directory(SupplierRepo(session, workspace.id))
    return created


def _seed_demo_directory(suppliers: SupplierRepo) -> None:
    """The demo workspace knows its suppliers, as one does after its first month: their
    invoices are recognised by VAT id and IBAN and can be posted without a person."""
    from liasse.samples.demo import demo_directory

    for supplier in demo_directory():
        suppliers.add(supplier)


def demo_company() -> dict[str, Any]:
    from liasse.samples.demo import DEMO_COMPANY

    return {"names": [DEMO_COMPANY.name],
            "identifiers": [DEMO_COMPANY.siren, DEMO_COMPANY.vat_id, DEMO_COMPANY.iban]}


# --- the pipeline -------------------------------------------------------------------------------


def workspace_context(workspace: Workspace, settings: Settings) -> WorkspaceContext:
    """The workspace's own company and thresholds (its preferences over the service's)."""
    company = workspace.own_company or {}
    preferences = workspace.preferences or {}
    return WorkspaceContext(
        workspace_id=workspace.id,
        own_names=tuple(company.get("names", ())),
        own_identifiers=tuple(compact(value) for value in company.get("identifiers", ())),
        review_from=Decimal(str(preferences.get("review_from", settings.routing.review_from))),
        approve_from=Decimal(str(preferences.get("approve_from",
                                                 settings.routing.approve_from))),
        account_currency=settings.accounting.account_currency,
        fx_rates=tuple(sorted(settings.accounting.fx_rates.items())),
    )


class PreferenceError(ValueError):
    pass


def set_workspace_preferences(services: Services, *, review_from: Decimal | None = None,
                              approve_from: Decimal | None = None, actor: str = "user:cli",
                              slug: str | None = None) -> dict[str, Any]:
    """Per-workspace routing thresholds, checked (0 ≤ review ≤ approve ≤ 1) and audited."""
    with services.workspace_repo(slug) as repo:
        workspace = repo.workspace()
        before = dict(workspace.preferences or {})
        after = dict(before)
        if review_from is not None:
            after["review_from"] = str(review_from)
        if approve_from is not None:
            after["approve_from"] = str(approve_from)
        low = Decimal(after.get("review_from", services.settings.routing.review_from))
        high = Decimal(after.get("approve_from", services.settings.routing.approve_from))
        if not Decimal(0) <= low <= high <= Decimal(1):
            raise PreferenceError("thresholds need 0 <= review-from <= approve-from <= 1")
        workspace.preferences = after
        repo.add_audit("workspace", workspace.id, actor=actor, reason="thresholds changed",
                       details={"before": before, "after": after})
        return after


def build_pipeline(services: Services, slug: str | None = None, *,
                   connection_ids: set[str] | None = None, owner: str | None = None
                   ) -> Pipeline:
    """The pipeline for one workspace; `connection_ids` limits intake to those sources;
    `owner` names who claims its documents (default: an id unique to this pipeline)."""
    settings = services.settings
    with services.sessions.begin() as session:
        workspace = _find_workspace(session, slug or settings.workspace)
        context = workspace_context(workspace, settings)
        repo = WorkspaceRepo(session, workspace.id)
        sources = _active_sources(services, repo)
        poster = services.poster or _qonto_poster(services, repo)
        from liasse.app import adapters_writeback

        # Firm folders are followed by id; write-back folders skip liasse's own output.
        sources = adapters_writeback.dropbox_sources(services, repo, sources)
        writers = adapters_writeback.active_writers(services, repo)
    if connection_ids is not None:
        sources = {key: source for key, source in sources.items() if key in connection_ids}
    pipeline = Pipeline(
        sessions=services.sessions,
        blobs=services.blobs,
        context=context,
        sources=sources,
        extractor=make_extractor(settings, services.sessions),
        enricher=StoreEnricher(services.sessions),
        poster=poster,
        writers=writers,
    )
    return pipeline if owner is None else replace(pipeline, owner=owner)


def _active_sources(services: Services, repo: WorkspaceRepo) -> dict[str, DocumentSource]:
    settings = services.settings
    sources: dict[str, DocumentSource] = {}
    for connection in repo.list_connections():
        if connection.status != "active":
            continue  # a connection that needs reconnecting is skipped, not hammered
        if connection.kind == "localfolder":
            root = Path(connection.config.get("path") or settings.inbox_path)
            sources[connection.id] = LocalFolderSource(
                root, settle_seconds=settings.inbox.settle_seconds
            )
        elif connection.kind == "dropbox":
            from liasse.app import adapters

            secret = adapters.SecretJsonStore(
                services.sessions, repo.workspace_id, services.keyring(),
                adapters.dropbox_secret_name(connection.id),
            )
            # The intake step marks the connection when the translated NeedsReconnect arrives.
            sources[connection.id] = adapters.dropbox_source(
                settings, secret, connection.id, dict(connection.config), lambda reason: None
            )
    return sources


def _qonto_poster(services: Services, repo: WorkspaceRepo) -> InvoicePoster | None:
    """The poster of the workspace's active Qonto connection; None leaves approvals waiting."""
    from liasse.app import adapters

    for connection in repo.list_connections():
        if connection.kind == "qonto" and connection.status == "active":
            secret = adapters.SecretJsonStore(services.sessions, repo.workspace_id,
                                              services.keyring(),
                                              adapters.qonto_secret_name(connection.id))
            return adapters.qonto_poster(secret, connection.id, dict(connection.config),
                                         services.settings)
    return None


class CascadeExtractor:
    """The extraction engine behind the pipeline's `Extractor` plug point."""

    def __init__(self, settings: Settings,
                 sessions: sessionmaker[Session] | None = None) -> None:
        self._settings = settings.extraction
        self._sessions = sessions  # where the workspaces' supplier memories are read

    def extract(self, data: bytes, *, file_name: str, context: WorkspaceContext
                ) -> ExtractionResult:
        from liasse.extract.cascade import ExtractOptions, extract_document

        options = ExtractOptions(
            ocr=self._settings.ocr,
            max_pages=self._settings.max_pages,
            time_limit_seconds=self._settings.time_limit_seconds,
            ocr_time_limit_seconds=self._settings.ocr_time_limit_seconds,
            own_names=context.own_names,
            own_identifiers=context.own_identifiers,
            memories=self._memories(context.workspace_id),
        )
        result: ExtractionResult = extract_document(data, file=file_name, options=options)
        return result


    def _memories(self, workspace_id: str) -> tuple[SupplierMemory, ...]:
        if self._sessions is None:
            return ()
        from liasse.store.memory_repo import MemoryRepo

        with self._sessions.begin() as session:
            return tuple(MemoryRepo(session, workspace_id).memories())


def make_extractor(settings: Settings,
                   sessions: sessionmaker[Session] | None = None) -> Extractor | None:
    try:
        import liasse.extract.cascade  # noqa: F401
    except ImportError:
        return None
    return CascadeExtractor(settings, sessions)


# --- status and doctor ----------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def doctor(settings: Settings) -> list[Check]:
    """Each thing liasse needs, whether it is there, and how to fix it if not."""
    checks = [_check_database(settings), _check_keys(settings), _check_file_modes(settings),
              _check_ocr(), _check_inbox(settings), _check_extractor(settings)]
    if checks[0].ok:
        checks += _check_connections(settings)
    return checks


def _check_connections(settings: Settings) -> list[Check]:
    """Each connection of every workspace: active, or what to do about it."""
    engine = make_engine(settings.resolved_database_url)
    try:
        with make_session_factory(engine).begin() as session:
            found = [(workspace.slug, connection.name, connection.kind, connection.status,
                      connection.last_error)
                     for workspace in store_repo.list_all_workspaces(session)
                     for connection in WorkspaceRepo(session, workspace.id).list_connections()]
    finally:
        engine.dispose()
    return [_connection_check(*row) for row in found]


def _connection_check(slug: str, name: str, kind: str, status: str, error: str | None
                      ) -> Check:
    label = f"connection {slug}/{name}"
    if status == "needs_reconnect":
        return Check(label, False, f"{kind} needs reconnecting: {error or 'refused'}",
                     f"`liasse connect {kind}` again, or Reconnect on the status page")
    if status != "active":
        return Check(label, True, f"{kind}, {status}")
    if error:
        return Check(label, False, f"{kind}: {error}", "see the status page; it retries itself")
    return Check(label, True, f"{kind}, active")


def _check_database(settings: Settings) -> Check:
    try:
        require_initialised(settings)  # before connecting: SQLite would create the file
    except NotInitialised as exc:
        return Check("database", False, str(exc), "run `liasse init`")
    try:
        engine = make_engine(settings.resolved_database_url)
        ping(engine)
        current, head = migrate.current_revision(engine), migrate.head_revision()
        engine.dispose()
    except Exception as exc:
        return Check("database", False, str(exc).splitlines()[0],
                     "check LIASSE_DATABASE_URL, or run `liasse init`")
    if current != head:
        return Check("database", False, f"schema at {current}, code expects {head}",
                     "run `liasse init` to migrate")
    backend = settings.resolved_database_url.split(":")[0]
    return Check("database", True, f"schema {current} ({backend})")


def _check_keys(settings: Settings) -> Check:
    try:
        keyring = load_keyring(env_key=settings.secret_key, key_file=settings.key_file,
                               production=settings.environment == "production")
    except SecretKeyError as exc:
        return Check("keys", False, str(exc), "run `liasse init` or set LIASSE_SECRET_KEY")
    return Check("keys", True, f"master key {keyring.current.id}")


def _check_file_modes(settings: Settings) -> Check:
    loose = loose_paths(settings)
    if loose:
        shown = ", ".join(str(path) for path in loose[:3]) + (" …" if len(loose) > 3 else "")
        return Check("files", False, f"readable by other local users: {shown}",
                     f"chmod -R go-rwx {settings.home}")
    return Check("files", True, f"{settings.home} is private (0700, files 0600)")


def _check_ocr() -> Check:
    binary = shutil.which("tesseract")
    if binary is None:
        return Check("ocr", False, "tesseract is not installed",
                     "apt-get install tesseract-ocr tesseract-ocr-fra tesseract-ocr-deu")
    return Check("ocr", True, binary)


def _check_inbox(settings: Settings) -> Check:
    inbox = settings.inbox_path
    if not inbox.is_dir():
        return Check("inbox", False, f"{inbox} does not exist", "run `liasse init`")
    return Check("inbox", True, str(inbox))


def _check_extractor(settings: Settings) -> Check:
    if make_extractor(settings) is None:
        return Check("extraction", False, "the extraction engine is not installed",
                     "reinstall liasse (`make run` does it)")
    return Check("extraction", True, "cascade: e-invoice, text layer, OCR")


def counts_json(counts: dict[str, int]) -> str:
    return json.dumps(counts, sort_keys=False)
