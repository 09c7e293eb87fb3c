"""`liasse doctor`: each thing liasse needs, whether it is there, and how to fix it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass

from liasse.app.privatefiles import loose_paths
from liasse.app.services import NotInitialised, require_initialised
from liasse.app.settings import Settings
from liasse.extract.ocr import DEFAULT_ENGINE
from liasse.extract.ocr_rapid import rapid_available
from liasse.extract.ranking import shipped_model
from liasse.store import migrate
from liasse.store import repo as store_repo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import make_engine, make_session_factory, ping
from liasse.store.secrets import SecretKeyError, load_keyring


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def doctor(settings: Settings) -> list[Check]:
    """Each thing liasse needs, whether it is there, and how to fix it if not."""
    checks = [_check_database(settings), _check_keys(settings), _check_file_modes(settings),
              _check_ocr(settings), _check_inbox(settings), _check_extractor()]
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
                     for connection in ConnectionRepo(session, workspace.id).list_connections()]
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


def _check_ocr(settings: Settings, *,
               rapid_loads: Callable[[], bool] = rapid_available) -> Check:
    """The OCR engine this installation reads scans with (`[extraction] ocr_engine`)."""
    if (settings.extraction.ocr_engine or DEFAULT_ENGINE) == "rapidocr":
        if not rapid_loads():
            return Check("ocr", False, "RapidOCR, the OCR engine set, does not load",
                         "reinstall liasse (`make run` does it), or set [extraction] "
                         'ocr_engine = "tesseract"')
        return Check("ocr", True, "RapidOCR (its models ship inside the Python package)")
    binary = shutil.which("tesseract")
    if binary is None:
        return Check("ocr", False, "tesseract, the OCR engine set, is not installed",
                     "apt-get install tesseract-ocr tesseract-ocr-fra tesseract-ocr-deu")
    return Check("ocr", True, f"Tesseract ({binary})")


def _check_inbox(settings: Settings) -> Check:
    inbox = settings.inbox_path
    if not inbox.is_dir():
        return Check("inbox", False, f"{inbox} does not exist", "run `liasse init`")
    return Check("inbox", True, str(inbox))


def _check_extractor() -> Check:
    """The reader's shipped model loads (a broken install shows here, not on a document)."""
    try:
        model = shipped_model()
    except (OSError, ValueError, KeyError) as exc:
        return Check("extraction", False, f"the reader's model does not load: {exc}",
                     "reinstall liasse (`make run` does it)")
    return Check("extraction", True,
                 f"cascade: e-invoice, text layer, OCR ({len(model.fields)} fields ranked)")
