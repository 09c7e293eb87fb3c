"""Setting up a home and its workspace (`liasse init`, the first `liasse run`), the demo
world, and a workspace's preferences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from liasse.app.privatefiles import make_home_private
from liasse.app.services import Services, open_services
from liasse.app.settings import Settings
from liasse.app.wiring import localfolder
from liasse.samples.demo import DEMO_COMPANY, demo_directory
from liasse.samples.inbox import write_demo_inbox
from liasse.store import repo as store_repo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.secrets import ensure_key_file
from liasse.store.suppliers_repo import SupplierRepo

LOCAL_INBOX = "inbox"
DEMO_DAY_FILE = "demo-day"

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
        repo = ConnectionRepo(session, workspace.id)
        if repo.connection_by_name(LOCAL_INBOX) is None:
            repo.add_connection(localfolder.KIND, LOCAL_INBOX, {"path": str(settings.inbox_path)})
        if demo and created:
            _seed_demo_directory(SupplierRepo(session, workspace.id))
    return created


def _seed_demo_directory(suppliers: SupplierRepo) -> None:
    """The demo workspace knows its suppliers, as one does after its first month: their
    invoices are recognised by VAT id and IBAN and can be posted without a person."""
    for supplier in demo_directory():
        suppliers.add(supplier)


def demo_company() -> dict[str, Any]:
    return {"names": [DEMO_COMPANY.name],
            "identifiers": [DEMO_COMPANY.siren, DEMO_COMPANY.vat_id, DEMO_COMPANY.iban]}


class PreferenceError(ValueError):
    pass


def set_workspace_preferences(services: Services, *, review_from: Decimal | None = None,
                              approve_from: Decimal | None = None, actor: str = "user:cli",
                              slug: str | None = None) -> dict[str, Any]:
    """Per-workspace routing thresholds, checked (0 ≤ review ≤ approve ≤ 1) and audited."""
    with services.repo(DocumentRepo, slug) as repo:
        connections = ConnectionRepo(repo.session, repo.workspace_id)
        workspace = connections.workspace()
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
