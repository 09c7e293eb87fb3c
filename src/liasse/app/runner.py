"""Long-running and one-shot service entry points behind `liasse run` and `liasse sync`."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import uvicorn
from rich.console import Console

from liasse.app.accounts import ensure_user
from liasse.app.backfill import start_backfills
from liasse.app.jobs.queue import defer_due_windows, defer_window_now, make_defer_app
from liasse.app.listen import ensure_port_free
from liasse.app.lock import hold_service_lock, service_is_running
from liasse.app.notify import SmtpConfig, SmtpNotifier, notify_attention
from liasse.app.pipelines import build_pipeline, run_bank_window
from liasse.app.privacy import purge_expired_originals
from liasse.app.sandbox import embedded_qonto, stop_sandbox
from liasse.app.scheduler import WindowScheduler, default_owner
from liasse.app.services import Services, open_services, require_initialised
from liasse.app.settings import Settings, WebSettings
from liasse.app.setup import initialise
from liasse.app.watchers import InstantWatchers
from liasse.app.wiring import wiring_for
from liasse.domain.printable import PrintableFormatter
from liasse.store import repo as store_repo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.secrets import (
    SecretKeyError,
    forget_previous_key,
    load_keyring,
    rotate_key_file,
)
from liasse.sync.pipeline import utc_now
from liasse.sync.window import run_window

log = logging.getLogger("liasse")

# The web app `liasse run` serves: an ASGI application for the services and web settings.
WebAppFactory = Callable[[Services, WebSettings], Any]

DEMO_OWNER = "demo@liasse.local"
DEMO_LOGIN_NEW = ("Log in as {email} with password {password} (shown only now, stored "
                  "hashed; change it with `liasse users passwd {email} --password-stdin`)")
DEMO_LOGIN_KNOWN = ("Log in as {email} with the password printed by `liasse init --demo` "
                    "(forgot it? `liasse users passwd {email} --password-stdin`)")
INSTANT_INTERVAL = timedelta(minutes=15)
RETENTION_CHECK = timedelta(hours=1)
NOTIFY_EVERY = timedelta(minutes=1)


def sync_once(settings: Settings, *, progress: bool = False, all_workspaces: bool = False
              ) -> dict[str, dict[str, int]]:
    """One window for the configured workspace (or every workspace): counts by slug.

    While `liasse run` runs, its built-in Qonto sandbox is already serving (the stored
    connection points at it), so this process does not start a second one on its port."""
    require_initialised(settings)
    services = open_services(settings)
    sandbox = None
    try:
        if not service_is_running(settings):
            sandbox = embedded_qonto(services, lambda line: None)
        slugs = _workspace_slugs(services) if all_workspaces else [settings.workspace]
        if progress:
            with Console(stderr=True).status("Syncing…"):
                return {slug: _one_window(services, slug) for slug in slugs}
        return {slug: _one_window(services, slug) for slug in slugs}
    finally:
        stop_sandbox(sandbox)
        services.close()


def _workspace_slugs(services: Services) -> list[str]:
    with services.sessions.begin() as session:
        return [workspace.slug for workspace in store_repo.list_all_workspaces(session)]


def _one_window(services: Services, slug: str) -> dict[str, int]:
    """Documents from every source, then each bank connection's lines and matching."""
    counts = run_window(build_pipeline(services, slug)).as_dict()
    with services.repo(ConnectionRepo, slug) as repo:
        banks = [c.id for c in repo.list_connections()
                 if wiring_for(c.kind).is_bank and c.status == "active"]
    for connection_id in banks:
        run_bank_window(services, slug, connection_id)
    return counts


class SchedulerThread:
    """Asks the window scheduler for due windows every `tick` seconds until stopped.

    Two executors, one code path: on SQLite the window runs here, every step in this
    process; on PostgreSQL a due window becomes a job, and `liasse worker` processes (on
    this host or others) run it and the read and post jobs it leads to."""

    def __init__(self, services: Services, tick: float = 1.0) -> None:
        self._services = services
        self._scheduler = WindowScheduler(services)
        self._queue: Any = None
        if not services.settings.is_sqlite:
            self._queue = make_defer_app(services)
        self._notified: datetime | None = None
        self._tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="liasse-scheduler", daemon=True)
        self._retention_checked: datetime | None = None
        # Dropbox connections in instant mode get a longpoll watcher that opens a short
        # window as soon as something changes (the regular windows still run as a safety
        # net); connections made, changed or stopped meanwhile are seen at each tick.
        self._watchers = InstantWatchers(services, self._instant_window)

    def start(self) -> None:
        # Before the first window: backfilled connections' windows start from now.
        start_backfills(self._services, self._stop)
        self._watchers.refresh()  # instant watchers listen from the start
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._watchers.stop_all()

    def _instant_window(self, slug: str, connection_id: str) -> object:
        if self._queue is not None:
            return defer_window_now(self._services, self._queue, slug, connection_id)
        return self._scheduler.run_connection(slug, connection_id, INSTANT_INTERVAL)

    def _notify(self, slug: str) -> None:
        """Tell the owner about connections to reconnect and parked records (once each)."""
        web = self._services.settings.web
        notifiers = []
        if web.smtp is not None:
            notifiers.append(SmtpNotifier(SmtpConfig(
                host=web.smtp.host, port=web.smtp.port, sender=web.smtp.sender,
                username=web.smtp.username,
                password=web.smtp.password.get_secret_value() if web.smtp.password else None,
                starttls=web.smtp.starttls)))
        with self._services.repo(ConnectionRepo, slug) as repo:
            workspace_id = repo.workspace_id
        notify_attention(self._services.sessions, workspace_id,
                         base_url=f"{web.public_url}/w/{slug}", notifiers=notifiers)

    def _apply_retention(self) -> None:
        """Originals past the retention setting go, checked at most once an hour."""
        now = utc_now()
        if self._retention_checked and now - self._retention_checked < RETENTION_CHECK:
            return
        self._retention_checked = now
        deleted = purge_expired_originals(self._services, now)
        if deleted:
            log.info("retention: %d original(s) past the retention period deleted", deleted)

    def _queue_due(self) -> None:
        """PostgreSQL: a job for each due window; the owner is told about what needs a
        person at most once a minute (the workers' windows do not report back here)."""
        defer_due_windows(self._services, self._queue, default_owner())
        now = utc_now()
        if self._notified is None or now - self._notified >= NOTIFY_EVERY:
            self._notified = now
            for slug in _workspace_slugs(self._services):
                self._notify(slug)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._watchers.refresh()
                self._apply_retention()
                if self._queue is not None:
                    self._queue_due()
                    self._stop.wait(self._tick)
                    continue
                for run in self._scheduler.run_due():
                    if any(run.counts.values()):
                        log.info("window %s/%s: %s", run.workspace, run.connection,
                                 run.counts)
                    self._notify(run.workspace)
            except Exception:  # the service keeps running; the error is logged with its trace
                log.exception("sync window failed")
            self._stop.wait(self._tick)


def start_workers(settings: Settings, count: int) -> list[subprocess.Popen[bytes]]:
    """`count` `liasse worker` processes beside the service (PostgreSQL only)."""
    if settings.is_sqlite or count <= 0:
        return []
    command = [sys.executable, "-m", "liasse", "worker"]
    return [subprocess.Popen(command) for _ in range(count)]


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM: each worker finishes the job in hand, then stops."""
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def run_service(settings: Settings, web_app: WebAppFactory, *, demo: bool,
                echo: Callable[[str], None], workers: int = 1) -> None:
    """Initialise if needed, then serve the web app (`web_app(services, settings.web)`,
    the presentation layer's, handed in by the CLI) while the scheduler syncs.

    What can stop it (another `liasse run`, a port in use) is found before anything says
    "running". On PostgreSQL, `workers` worker processes run the jobs (0: workers on other
    hosts run them)."""
    handler = logging.StreamHandler()
    handler.setFormatter(PrintableFormatter("%(asctime)s %(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    for chatty in ("alembic", "httpx"):  # every request and migration step is too much
        logging.getLogger(chatty).setLevel(logging.WARNING)
    lock = hold_service_lock(settings)
    try:
        ensure_port_free(settings.web.host, settings.web.port, what="the web app",
                         flag="--port (or LIASSE_WEB__PORT)")
        if settings.qonto.mode == "sandbox":
            ensure_port_free("127.0.0.1", settings.qonto.sandbox_port,
                             what="the Qonto sandbox",
                             flag="--sandbox-port (or LIASSE_QONTO__SANDBOX_PORT)")
        report = initialise(settings, demo=demo)
        services = open_services(settings)
    except BaseException:
        lock.close()
        raise
    sandbox = None
    try:
        sandbox = embedded_qonto(services, echo)
        scheduler = SchedulerThread(services)
        scheduler.start()
        worker_processes = start_workers(settings, workers)
        if demo:
            print_demo_login(services, echo)
        echo(f"liasse is running. Drop documents into {report.inbox}")
        echo(f"Open http://{settings.web.host}:{settings.web.port}/")
        try:
            uvicorn.run(web_app(services, settings.web), host=settings.web.host,
                        port=settings.web.port, log_level="warning",
                        **settings.web.uvicorn_proxy_options())
        finally:
            scheduler.stop()
            stop_workers(worker_processes)
    finally:
        stop_sandbox(sandbox)
        services.close()
        lock.close()


def demo_owner_password(services: Services) -> str | None:
    """The demo owner is created once, with a password shown then and stored hashed; None
    when it already exists (its password stays: reset it with `liasse users passwd`)."""
    return ensure_user(services, DEMO_OWNER, role="owner")


def print_demo_login(services: Services, echo: Callable[[str], None]) -> None:
    password = demo_owner_password(services)
    if password is not None:
        echo(DEMO_LOGIN_NEW.format(email=DEMO_OWNER, password=password))
    else:
        echo(DEMO_LOGIN_KNOWN.format(email=DEMO_OWNER))


@dataclass(frozen=True)
class KeyRotation:
    data_keys: int
    replaced: bool  # the data keys themselves are new (not only re-wrapped)
    previous_removed: bool


def rotate_master_key(settings: Settings, *, new_data_keys: bool = False) -> KeyRotation:
    """A new master key (and, if asked, new data keys); the old master key is deleted
    once every secret has been read back without it."""
    require_initialised(settings)
    if settings.secret_key is not None:
        raise SecretKeyError(
            "the master key comes from LIASSE_SECRET_KEY: unset it to rotate the key file, "
            "or re-wrap with a new key through the key file first"
        )
    # A running service could save a secret with the old data key while it is replaced.
    guard = hold_service_lock(settings) if new_data_keys else None
    services = open_services(settings)
    try:
        keyring = load_keyring(env_key=None, key_file=settings.key_file,
                               production=settings.environment == "production")
        with services.sessions.begin() as session:
            count = rotate_key_file(session, keyring, settings.key_file,
                                    new_data_keys=new_data_keys)
        with services.sessions.begin() as session:
            removed = forget_previous_key(session, settings.key_file)
        return KeyRotation(count, new_data_keys, removed)
    finally:
        services.close()
        if guard is not None:
            guard.close()
