"""The Qonto connection's window end to end, in process: the demo bank is synced into the
store (`sync_bank`), then the receipts attached at Qonto are exported into the Dropbox
emulator (`ReceiptExporter` on `QontoReceiptSource` and `DropboxReceiptSink`)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import httpx
import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from contract.openapi import SERVER, FakeClock
from liasse.app.wiring.qonto import QontoBankFeed
from liasse.connectors.dropbox.client import DropboxClient, RetryPolicy
from liasse.connectors.dropbox.endpoints import DropboxEndpoints
from liasse.connectors.dropbox.oauth import StaticToken
from liasse.connectors.dropbox.receipts_sink import DropboxReceiptSink
from liasse.connectors.qonto import ApiKeyAuth, ApiKeyCredentials, QontoClient
from liasse.connectors.qonto.receipts_source import QontoReceiptSource
from liasse.emulators.dropbox import DropboxState
from liasse.emulators.dropbox.inprocess import in_process_client
from liasse.emulators.qonto import create_app, demo_state
from liasse.emulators.qonto.inprocess import sync_transport
from liasse.emulators.qonto.seed import DEMO_ANCHOR
from liasse.emulators.qonto.state import BankAccount, QontoState, Transaction
from liasse.store.bank_repo import BankRepo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import make_session_factory
from liasse.store.receipts_repo import receipts_repo_scope
from liasse.store.repo import create_workspace
from liasse.sync.bank import BankSyncOptions, sync_bank
from liasse.sync.receipts import ExportSettings, ReceiptExporter

TOKEN = "receipts-e2e"
START = DEMO_ANCHOR - timedelta(days=60)  # the user exports the last two months
RECEIPTED = 6


def make_pdf(title: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class World:
    qonto: QontoState
    clock: FakeClock
    client: QontoClient
    dropbox: DropboxState
    exporter: ReceiptExporter
    sessions: sessionmaker[Session]
    workspace_id: str
    connection_id: str

    def attach(self, transaction: Transaction, name: str) -> str:
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{transaction.id}/{name}"))
        self.client.attach_to_transaction(transaction.id, name, make_pdf(name), key)
        return transaction.attachment_ids[-1]

    def window(self) -> tuple[int, int]:
        """What the Qonto connection's window does: sync the bank, then export receipts.
        Returns (lines synced, files written)."""
        synced = sync_bank(self.sessions, self.workspace_id, self.connection_id,
                           QontoBankFeed(self.client, self.connection_id),
                           BankSyncOptions(clock=self.clock, overlap=timedelta(minutes=10)))
        report = self.exporter.run(self.connection_id)
        assert report.errors == [] and report.stopped is None
        return synced.seen, report.exported + report.re_exported

    def exported_files(self) -> dict[str, bytes]:
        files: dict[str, bytes] = {}
        for path in self._walk("/Qonto"):
            files[path] = self.dropbox.tree.download(path)[1]
        return files

    def _walk(self, folder: str) -> Iterator[str]:
        page = self.dropbox.tree.list_folder(folder, True, False)
        for entry in page.entries:
            if entry[".tag"] == "file":
                yield entry["path_display"]


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    qonto = demo_state()
    qonto.api_keys = {"atelier": "s3cret"}
    clock = FakeClock(datetime.combine(DEMO_ANCHOR, time(23, 30), UTC))
    http = httpx.Client(transport=sync_transport(create_app(qonto, clock=clock)),
                        base_url=SERVER)
    client = QontoClient(http, ApiKeyAuth(ApiKeyCredentials("atelier", "s3cret")))
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace = create_workspace(session, "atelier", "Atelier Liasse")
        connection = ConnectionRepo(session, workspace.id).add_connection("qonto", "bank", {})
        ids = workspace.id, connection.id
    dropbox = DropboxState(token=TOKEN)
    with in_process_client(dropbox) as dropbox_http:
        sink = DropboxReceiptSink(DropboxClient(
            dropbox_http, StaticToken(TOKEN),
            endpoints=DropboxEndpoints.single("http://dropbox.test"),
            retry=RetryPolicy(attempts=2), sleep=lambda _: None))
        exporter = ReceiptExporter(receipts_repo_scope(sessions, ids[0]),
                                   QontoReceiptSource(client, ids[1]), sink, clock=clock)
        exporter.configure(ids[1], ExportSettings(start_date=START))
        yield World(qonto, clock, client, dropbox, exporter, sessions, *ids)


def receipted_debits(world: World) -> list[Transaction]:
    """The user attaches receipts at Qonto to a few recent debits and one older one."""
    debits = sorted((t for t in world.qonto.transactions.values()
                     if t.side == "debit" and t.status == "completed"),
                    key=lambda t: t.settled_at or t.emitted_at)
    recent = [t for t in debits if (t.settled_at or t.emitted_at).date() >= START]
    older = [t for t in debits if (t.settled_at or t.emitted_at).date() < START]
    chosen = recent[-RECEIPTED:] + older[-1:]
    for line in chosen:
        world.attach(line, f"receipt-{line.transaction_id}.pdf")
    return chosen


def test_receipts_go_to_dropbox_by_account_and_month_once(world: World) -> None:
    chosen = receipted_debits(world)
    seen, written = world.window()
    assert seen == len(world.qonto.transactions) and written == RECEIPTED
    files = world.exported_files()
    assert len(files) == RECEIPTED  # the one before the start date stays at Qonto
    for line in chosen[:RECEIPTED]:
        month = (line.settled_at or line.emitted_at).strftime("%Y-%m")
        matches = [p for p in files if p.startswith(f"/Qonto/Compte principal/{month}/")
                   and line.label[:8] in p]
        assert matches, f"no receipt for {line.label} in {month}: {sorted(files)}"
        linked = PdfReader(io.BytesIO(files[matches[0]])).metadata
        assert linked is not None and line.id in str(dict(linked))  # keeps its transaction
    with world.sessions.begin() as session:
        stored = BankRepo(session, world.workspace_id).transactions_with_attachments(
            chosen[0].bank_account_id, datetime.combine(START, time(0), UTC))
    assert len(stored) == RECEIPTED  # the store saw the same receipts through sync_bank
    world.clock.advance(minutes=15)
    _, written_again = world.window()  # the next window: nothing is written twice
    assert written_again == 0 and world.exported_files() == files


def test_a_deleted_file_comes_back_and_a_new_account_gets_its_folder(world: World) -> None:
    receipted_debits(world)
    world.window()
    victim = sorted(world.exported_files())[0]
    world.dropbox.tree.delete(victim)
    new = BankAccount("acc-projets", "atelier-3", "FR7616958000013827461902362",
                      "QNTOFRP1XXX", "EUR", "Projets", False, 0)
    world.qonto.organization.bank_accounts.append(new)
    line = Transaction(
        id="00000000-0000-4000-8000-000000000099", transaction_id="atelier-3-transaction-1",
        bank_account_id=new.id, amount_cents=4_200, currency="EUR", local_amount_cents=4_200,
        local_currency="EUR", side="debit", operation_type="card", status="completed",
        label="Imprimerie Rapide", reference=None, emitted_at=world.clock(),
        updated_at=world.clock(), settled_at=world.clock())
    world.qonto.transactions[line.id] = line
    world.attach(line, "imprimerie.pdf")
    world.clock.advance(minutes=15)
    _, written = world.window()
    files = world.exported_files()
    assert written == 2 and victim in files
    month = DEMO_ANCHOR.strftime("%Y-%m")
    assert any(p.startswith(f"/Qonto/Projets/{month}/") for p in files)
    assert len(files) == RECEIPTED + 1
    assert date.fromisoformat(victim.rsplit("/", 1)[1][:10]) >= START
