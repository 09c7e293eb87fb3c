"""The receipts export against in-memory fakes of Qonto and Dropbox and a real SQLite store."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy.orm import Session, sessionmaker

import liasse.store.tables_receipts  # noqa: F401  (registers the export tables on Base)
from liasse.connectors.dropbox.content_hash import content_hash
from liasse.domain.errors import NeedsReconnect, TransientFailure
from liasse.domain.money import Money
from liasse.domain.receipts import (
    Attachment,
    BankAccountInfo,
    ReceiptSink,
    ReceiptSource,
    RemoteFile,
)
from liasse.domain.transactions import BankTransaction
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import make_engine, make_session_factory
from liasse.store.receipts_repo import ReceiptsRepo, receipts_repo_scope
from liasse.store.repo import NotFound, create_workspace
from liasse.store.tables import Base
from liasse.sync import receipts_plan as plan
from liasse.sync.receipts import ExportSettings, ReceiptExporter

START = date(2024, 3, 1)
MAIN = BankAccountInfo(id="acc-main", name="Compte principal", iban="FR7630001007941234567890185",
                       currency="EUR")
ROOT = "/Qonto/Compte principal"


# --- fakes -----------------------------------------------------------------------------------


class SimulatedCrash(BaseException):
    """The process dies: not an error the service may catch."""


def make_pdf(text: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class FakeQonto:
    """Accounts, transactions and attachments. It ignores `since` on purpose, like a source
    whose filter is loose, so the tests prove the exporter's own start-date filter."""

    accounts: list[BankAccountInfo] = field(default_factory=lambda: [MAIN])
    transactions: dict[str, list[BankTransaction]] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    failing_downloads: set[str] = field(default_factory=set)
    auth_expired: bool = False
    since_asked: list[datetime] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)

    def bank_accounts(self) -> Sequence[BankAccountInfo]:
        return list(self.accounts)

    def transactions_with_attachments(self, bank_account_id: str, since: datetime
                                      ) -> Iterable[BankTransaction]:
        self.since_asked.append(since)
        return [tx for tx in self.transactions.get(bank_account_id, []) if tx.attachment_ids]

    def download_attachment(self, attachment_id: str) -> Attachment:
        if self.auth_expired:
            raise NeedsReconnect("Qonto token expired")
        if attachment_id in self.failing_downloads:
            raise TransientFailure(f"download of {attachment_id} timed out")
        self.downloads.append(attachment_id)
        return self.attachments[attachment_id]

    def add(self, tx_id: str, day: str, counterparty: str, cents: int,
            attachment_ids: tuple[str, ...] | None = None, account: str = MAIN.id,
            content: bytes | None = None) -> BankTransaction:
        ids = attachment_ids if attachment_ids is not None else (f"att-{tx_id}",)
        settled = datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)
        amount = Money(cents, "EUR")
        tx = BankTransaction(
            id=tx_id, bank_account_id=account, side="debit", status="completed",
            amount=amount, local_amount=amount, operation_type="card",
            counterparty_name=counterparty, label=counterparty, reference="",
            counterparty_iban=None, settled_at=settled, emitted_at=settled,
            updated_at=settled, attachment_ids=ids,
        )
        self.transactions.setdefault(account, []).append(tx)
        for attachment_id in ids:
            self.attachments[attachment_id] = Attachment(
                file_name=f"{attachment_id}.pdf", content_type="application/pdf",
                content=content if content is not None else make_pdf(attachment_id))
        return tx


@dataclass
class StoredFile:
    path: str
    id: str
    rev: str
    content: bytes


class FakeDropbox:
    """Folders with stable ids, files by case-insensitive path, and the user's hands:
    delete and rename. Uploads create missing parents, as Dropbox's do."""

    def __init__(self) -> None:
        self.folders: dict[str, str] = {}  # id -> display path
        self.files: dict[str, StoredFile] = {}  # path_lower -> file
        self.writes: list[str] = []
        self.failing_writes: set[str] = set()  # path_lower
        self.failing_folders: set[str] = set()  # path_lower
        self.crash_after_next_write = False
        self.auth_expired = False
        self._ids = itertools.count(1)

    # --- the ReceiptSink protocol ---

    def folder_id(self, path: str) -> str | None:
        self._check_auth()
        return next((fid for fid, p in self.folders.items() if p.lower() == path.lower()), None)

    def path_of_folder(self, folder_id: str) -> str | None:
        self._check_auth()
        return self.folders.get(folder_id)

    def create_folder(self, path: str) -> str:
        self._check_auth()
        if self.folder_id(path) is not None:
            raise AssertionError(f"create_folder on an existing folder: {path}")
        if path.lower() in self.failing_folders:
            raise TransientFailure(f"create_folder {path}: 500")
        return self._ensure_folder(path)

    def file_at(self, path: str) -> RemoteFile | None:
        self._check_auth()
        stored = self.files.get(path.lower())
        return None if stored is None else self._remote(stored)

    def content_hash(self, content: bytes) -> str:
        return content_hash(content)

    def write(self, path: str, content: bytes) -> RemoteFile:
        self._check_auth()
        if path.lower() in self.failing_writes:
            raise TransientFailure(f"upload of {path} failed: 503")
        if path.lower() in self.files:
            raise AssertionError(f"upload conflict (mode add): {path}")
        self._ensure_folder(path.rsplit("/", 1)[0])
        stored = StoredFile(path, f"id:f{next(self._ids)}", f"rev{next(self._ids)}", content)
        self.files[path.lower()] = stored
        self.writes.append(path)
        if self.crash_after_next_write:
            self.crash_after_next_write = False
            raise SimulatedCrash(path)
        return self._remote(stored)

    # --- what a user does in the Dropbox app ---

    def delete(self, path: str) -> None:
        prefix = path.lower() + "/"
        self.files = {key: f for key, f in self.files.items()
                      if key != path.lower() and not key.startswith(prefix)}
        self.folders = {fid: p for fid, p in self.folders.items()
                        if p.lower() != path.lower() and not p.lower().startswith(prefix)}

    def rename(self, old: str, new: str) -> None:
        def moved(p: str) -> str:
            return new + p[len(old):] if p.lower() == old.lower() or \
                p.lower().startswith(old.lower() + "/") else p
        self.folders = {fid: moved(p) for fid, p in self.folders.items()}
        self.files = {moved(f.path).lower(): StoredFile(moved(f.path), f.id, f.rev, f.content)
                      for f in self.files.values()}

    def put(self, path: str, content: bytes) -> None:
        """A file the user put there themselves."""
        self._ensure_folder(path.rsplit("/", 1)[0])
        self.files[path.lower()] = StoredFile(path, f"id:u{next(self._ids)}", "urev", content)

    def paths(self) -> list[str]:
        return sorted(f.path for f in self.files.values())

    # --- helpers ---

    def _ensure_folder(self, path: str) -> str:
        parts = [part for part in path.split("/") if part]
        folder_id = ""
        for depth in range(1, len(parts) + 1):
            prefix = "/" + "/".join(parts[:depth])
            found = next((fid for fid, p in self.folders.items()
                          if p.lower() == prefix.lower()), None)
            if found is None:
                found = f"id:d{next(self._ids)}"
                self.folders[found] = prefix
            folder_id = found
        return folder_id

    def _remote(self, stored: StoredFile) -> RemoteFile:
        return RemoteFile(stored.id, stored.rev, content_hash(stored.content))

    def _check_auth(self) -> None:
        if self.auth_expired:
            raise NeedsReconnect("Dropbox token expired")


# --- fixtures --------------------------------------------------------------------------------


@dataclass
class World:
    sessions: sessionmaker[Session]
    workspace_id: str
    connection_id: str
    qonto: FakeQonto
    dropbox: FakeDropbox
    now: datetime = datetime(2024, 4, 10, 9, 0, tzinfo=UTC)
    ledger: dict[str, str] = field(default_factory=dict)

    def exporter(self) -> ReceiptExporter:
        """A fresh service each time, as after a restart: nothing is kept in memory."""
        return ReceiptExporter(receipts_repo_scope(self.sessions, self.workspace_id),
                               self.qonto, self.dropbox, clock=lambda: self.now,
                               account_lookup=self.ledger.get)

    def configure(self, **changes: object) -> None:
        settings = ExportSettings(start_date=START, **changes)  # type: ignore[arg-type]
        self.exporter().configure(self.connection_id, settings)

    def content_of(self, path: str) -> bytes:
        return self.dropbox.files[path.lower()].content


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    engine = make_engine(f"sqlite:///{tmp_path / 'receipts.db'}")
    Base.metadata.create_all(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace = create_workspace(session, "acme", "ACME SAS")
        connection = ConnectionRepo(session, workspace.id).add_connection(
            "dropbox", "Dropbox", {})
        ids = (workspace.id, connection.id)
    yield World(sessions, ids[0], ids[1], FakeQonto(), FakeDropbox())
    engine.dispose()


@pytest.fixture
def configured(world: World) -> World:
    world.qonto.add("t1", "2024-02-28", "Too Early SARL", 1000)
    world.qonto.add("t2", "2024-03-01", "OVH SAS", 2399)
    world.qonto.add("t3", "2024-03-15", "Free Pro", 2999)
    world.configure()
    return world


# --- tests -----------------------------------------------------------------------------------


def test_fakes_conform_to_the_protocols() -> None:
    assert isinstance(FakeQonto(), ReceiptSource)
    assert isinstance(FakeDropbox(), ReceiptSink)


def test_first_export_starts_at_the_start_date(configured: World) -> None:
    report = configured.exporter().run(configured.connection_id)

    assert (report.exported, report.failed, report.unchanged) == (2, 0, 0)
    assert configured.dropbox.paths() == [
        f"{ROOT}/2024-03/2024-03-01_OVH SAS_23.99EUR.pdf",
        f"{ROOT}/2024-03/2024-03-15_Free Pro_29.99EUR.pdf",
    ]
    assert configured.qonto.since_asked == [datetime(2024, 2, 29, 23, 0, tzinfo=UTC)]
    assert report.folders_created == 3  # /Qonto, the account, the month
    assert "att-t1" not in configured.qonto.downloads


def test_every_exported_file_keeps_its_link_to_the_transaction(configured: World) -> None:
    configured.exporter().run(configured.connection_id)
    rows = {row.transaction_id: row for row in
            configured.exporter().receipts(configured.connection_id)}

    assert set(rows) == {"t2", "t3"}
    row = rows["t2"]
    assert row.status == "exported"
    assert row.path == f"{ROOT}/2024-03/2024-03-01_OVH SAS_23.99EUR.pdf"
    assert row.file_id is not None and row.file_id.startswith("id:")
    written = configured.content_of(row.path)
    assert row.content_hash == content_hash(written)
    metadata = PdfReader(io.BytesIO(written)).metadata
    assert metadata is not None
    assert str(metadata[plan.PDF_TRANSACTION_KEY]) == "t2"
    assert str(metadata[plan.PDF_ATTACHMENT_KEY]) == "att-t2"


def test_second_run_exports_only_the_new_receipts(configured: World) -> None:
    configured.exporter().run(configured.connection_id)
    configured.qonto.add("t4", "2024-04-02", "Orange", 4500)

    report = configured.exporter().run(configured.connection_id)

    assert (report.exported, report.unchanged, report.folders_created) == (1, 2, 1)
    assert len(configured.dropbox.writes) == 3
    assert configured.dropbox.writes[-1] == f"{ROOT}/2024-04/2024-04-02_Orange_45.00EUR.pdf"


def test_a_file_the_user_deleted_is_exported_again(configured: World) -> None:
    configured.exporter().run(configured.connection_id)
    deleted = f"{ROOT}/2024-03/2024-03-15_Free Pro_29.99EUR.pdf"
    configured.dropbox.delete(deleted)

    report = configured.exporter().run(configured.connection_id)

    assert (report.re_exported, report.unchanged, report.exported) == (1, 1, 0)
    assert deleted in configured.dropbox.paths()


def test_a_folder_the_user_deleted_is_respected_until_reset(configured: World) -> None:
    configured.exporter().run(configured.connection_id)
    configured.dropbox.delete(f"{ROOT}/2024-03")
    configured.qonto.add("t4", "2024-03-20", "Late March", 100)
    configured.qonto.add("t5", "2024-04-02", "Orange", 4500)

    report = configured.exporter().run(configured.connection_id)

    assert report.skipped_deleted_folder == 3
    assert report.exported == 1  # April has its own folder
    assert configured.dropbox.folder_id(f"{ROOT}/2024-03") is None
    assert configured.dropbox.paths() == [f"{ROOT}/2024-04/2024-04-02_Orange_45.00EUR.pdf"]
    rows = {row.transaction_id: row.status for row in
            configured.exporter().receipts(configured.connection_id)}
    assert rows["t4"] == "folder_deleted"  # visible, not silently dropped

    again = configured.exporter().run(configured.connection_id)
    assert (again.skipped_deleted_folder, again.exported, again.unchanged) == (3, 0, 1)

    configured.exporter().reset(configured.connection_id)
    after_reset = configured.exporter().run(configured.connection_id)

    assert (after_reset.exported, after_reset.skipped_existing) == (3, 1)
    assert len(configured.dropbox.paths()) == 4
    assert configured.dropbox.writes.count(
        f"{ROOT}/2024-04/2024-04-02_Orange_45.00EUR.pdf") == 1


def test_a_deleted_account_folder_is_respected(configured: World) -> None:
    configured.exporter().run(configured.connection_id)
    configured.dropbox.delete(ROOT)

    report = configured.exporter().run(configured.connection_id)

    assert (report.skipped_deleted_folder, report.folders_created) == (2, 0)
    assert configured.dropbox.paths() == []
    assert configured.dropbox.folder_id(ROOT) is None


def test_a_renamed_folder_is_followed_not_recreated(configured: World) -> None:
    configured.exporter().run(configured.connection_id)
    configured.dropbox.rename(ROOT, "/Qonto/Main account")
    configured.qonto.add("t4", "2024-03-20", "Late March", 100)

    report = configured.exporter().run(configured.connection_id)

    assert (report.exported, report.unchanged, report.folders_created) == (1, 2, 0)
    assert configured.dropbox.folder_id(ROOT) is None
    assert "/Qonto/Main account/2024-03/2024-03-20_Late March_1.00EUR.pdf" in \
        configured.dropbox.paths()
    paths = {row.path for row in configured.exporter().receipts(configured.connection_id)}
    assert all(path and path.startswith("/Qonto/Main account/") for path in paths)


def test_a_new_bank_account_gets_its_folder(configured: World) -> None:
    configured.exporter().run(configured.connection_id)
    configured.qonto.accounts.append(BankAccountInfo("acc-savings", "Épargne / Réserve",
                                                     "FR76...", "EUR"))

    report = configured.exporter().run(configured.connection_id)

    assert report.folders_created == 1
    assert configured.dropbox.folder_id("/Qonto/Épargne - Réserve") is not None


def test_disconnect_stops_the_export_and_keeps_the_files(configured: World) -> None:
    configured.exporter().run(configured.connection_id)
    configured.exporter().disconnect(configured.connection_id)
    configured.qonto.add("t4", "2024-04-02", "Orange", 4500)

    report = configured.exporter().run(configured.connection_id)

    assert report.disabled
    assert len(configured.dropbox.writes) == 2
    assert len(configured.dropbox.paths()) == 2
    assert configured.qonto.since_asked == [configured.qonto.since_asked[0]]  # not called again

    configured.configure()  # connecting again resumes where it was
    resumed = configured.exporter().run(configured.connection_id)
    assert (resumed.exported, resumed.unchanged) == (1, 2)


def test_not_configured_is_a_disabled_run(world: World) -> None:
    report = world.exporter().run(world.connection_id)
    assert report.disabled
    assert world.dropbox.writes == []


def test_filing_by_ledger_account(world: World) -> None:
    world.qonto.add("t1", "2024-03-02", "OVH SAS", 2399)
    world.qonto.add("t2", "2024-04-03", "Mystery", 500)
    world.ledger["t1"] = "626100 Télécom: internet"
    world.configure(filing_mode="by_account")

    report = world.exporter().run(world.connection_id)

    assert report.exported == 2
    assert world.dropbox.paths() == [
        f"{ROOT}/626100 Télécom- internet/2024-03-02_OVH SAS_23.99EUR.pdf",
        f"{ROOT}/unassigned/2024-04-03_Mystery_5.00EUR.pdf",
    ]
    # Re-categorising later does not move or duplicate an exported file.
    world.ledger["t2"] = "606400"
    assert world.exporter().run(world.connection_id).unchanged == 2


def test_a_crash_between_write_and_record_never_writes_twice(configured: World) -> None:
    configured.dropbox.crash_after_next_write = True
    with pytest.raises(SimulatedCrash):
        configured.exporter().run(configured.connection_id)
    pending = configured.exporter().receipts(configured.connection_id)
    assert [row.status for row in pending] == ["pending"]

    report = configured.exporter().run(configured.connection_id)

    assert (report.skipped_existing, report.exported) == (1, 1)
    assert len(configured.dropbox.writes) == len(set(configured.dropbox.writes)) == 2
    statuses = {row.status for row in configured.exporter().receipts(configured.connection_id)}
    assert statuses == {"exported"}


def test_failures_are_recorded_and_retried_next_run(configured: World) -> None:
    configured.qonto.failing_downloads.add("att-t2")
    configured.dropbox.failing_writes.add(
        f"{ROOT}/2024-03/2024-03-15_Free Pro_29.99EUR.pdf".lower())

    report = configured.exporter().run(configured.connection_id)

    assert (report.failed, report.exported) == (2, 0)
    rows = {row.transaction_id: row for row in
            configured.exporter().receipts(configured.connection_id)}
    assert rows["t2"].status == rows["t3"].status == "failed"
    assert rows["t2"].error is not None and "timed out" in rows["t2"].error
    assert rows["t3"].error is not None and "503" in rows["t3"].error

    configured.qonto.failing_downloads.clear()
    configured.dropbox.failing_writes.clear()
    retried = configured.exporter().run(configured.connection_id)

    assert (retried.exported, retried.failed) == (2, 0)
    rows = {row.transaction_id: row for row in
            configured.exporter().receipts(configured.connection_id)}
    assert {row.status for row in rows.values()} == {"exported"}
    assert rows["t3"].attempts == 3  # failed write intent, failure, then the retry's intent


def test_a_folder_that_cannot_be_created_fails_its_receipts_visibly(configured: World) -> None:
    configured.dropbox.failing_folders.add(ROOT.lower())

    report = configured.exporter().run(configured.connection_id)

    assert (report.failed, report.exported) == (2, 0)
    assert any("Compte principal" in error and "500" in error for error in report.errors)
    state = configured.exporter().state(configured.connection_id)
    assert state is not None and state.last_error is not None
    rows = configured.exporter().receipts(configured.connection_id)
    assert [row.status for row in rows] == ["failed", "failed"]

    configured.dropbox.failing_folders.clear()
    assert configured.exporter().run(configured.connection_id).exported == 2


@pytest.mark.parametrize("side", ["qonto", "dropbox"])
def test_an_auth_failure_stops_the_run(configured: World, side: str) -> None:
    configured.qonto.add("t4", "2024-03-20", "Late March", 100)
    getattr(configured, side).auth_expired = True

    report = configured.exporter().run(configured.connection_id)

    assert report.stopped is not None and "expired" in report.stopped
    assert report.failed == 0 and configured.dropbox.writes == []
    assert len(configured.qonto.downloads) == 0
    state = configured.exporter().state(configured.connection_id)
    assert state is not None and state.last_error == report.stopped


def test_two_attachments_with_the_same_name_both_find_a_stable_place(world: World) -> None:
    world.qonto.add("t1", "2024-03-02", "Hotel", 12000, attachment_ids=("aaaa1111-x", "bbbb2222-y"))
    world.configure()

    first = world.exporter().run(world.connection_id)
    second = world.exporter().run(world.connection_id)

    assert (first.exported, second.unchanged) == (2, 2)
    assert world.dropbox.paths() == [
        f"{ROOT}/2024-03/2024-03-02_Hotel_120.00EUR.pdf",
        f"{ROOT}/2024-03/2024-03-02_Hotel_120.00EUR_bbbb2222.pdf",
    ]


def test_a_users_own_file_at_the_name_is_not_overwritten(world: World) -> None:
    world.qonto.add("t1", "2024-03-02", "Hotel", 12000)
    name = f"{ROOT}/2024-03/2024-03-02_Hotel_120.00EUR.pdf"
    world.dropbox.put(name, b"the user's own scan")
    world.configure()

    report = world.exporter().run(world.connection_id)

    assert report.exported == 1
    assert world.content_of(name) == b"the user's own scan"
    assert f"{ROOT}/2024-03/2024-03-02_Hotel_120.00EUR_att-t1.pdf" in world.dropbox.paths()


def test_the_next_run_is_scheduled_at_2330_paris(configured: World) -> None:
    configured.exporter().run(configured.connection_id)
    state = configured.exporter().state(configured.connection_id)

    assert state is not None
    assert state.last_run_at == configured.now
    assert state.next_run_at == datetime(2024, 4, 10, 21, 30, tzinfo=UTC)  # summer time
    with configured.sessions.begin() as session:
        repo = ReceiptsRepo(session, configured.workspace_id)
        assert repo.exports_due(configured.now) == []
        due = repo.exports_due(configured.now + timedelta(hours=13))
        assert [export.connection_id for export in due] == [configured.connection_id]


def test_settings_are_validated(world: World) -> None:
    exporter = world.exporter()
    for bad in (ExportSettings(START, filing_mode="by_moon"),
                ExportSettings(START, schedule_time="25:00"),
                ExportSettings(START, timezone="Nowhere/City")):
        with pytest.raises(ValueError):
            exporter.configure(world.connection_id, bad)
    saved = exporter.configure(world.connection_id, ExportSettings(START, root_path="Receipts/"))
    assert saved.settings.root_path == "/Receipts"


def test_another_workspace_cannot_see_or_use_the_export(configured: World) -> None:
    configured.exporter().run(configured.connection_id)
    with configured.sessions.begin() as session:
        other = create_workspace(session, "other", "Other SAS")
        repo = ReceiptsRepo(session, other.id)
        state = ReceiptsRepo(session, configured.workspace_id).export_state(
            configured.connection_id)
        assert state is not None
        assert repo.export_state(configured.connection_id) is None
        assert repo.receipts(state.id) == []
        assert repo.folder(state.id, state.generation, plan.ROOT_KEY) is None
        assert repo.exports_due(configured.now + timedelta(days=2)) == []
        with pytest.raises(NotFound):
            repo.save_settings(configured.connection_id, ExportSettings(START))
        with pytest.raises(NotFound):
            repo.set_enabled(configured.connection_id, False)

