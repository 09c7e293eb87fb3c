"""Two windows of one workspace at once, on SQLite and PostgreSQL: each document once.

Both windows run every step for the whole workspace (as the instant-mode Dropbox window
and the inbox window of one `liasse run` do), on real threads and a real database, with
the store-backed enricher that creates suppliers. Whatever the interleaving, each document
is enriched, routed and posted once, each seller is one supplier row, and no posting
intent reaches the bank twice.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select

from liasse.connectors.localfolder import LocalFolderSource
from liasse.domain.identifiers import vat_from_siren
from liasse.domain.ports import InvoiceToPost, PostResult, WorkspaceContext
from liasse.domain.states import State, transition
from liasse.domain.suppliers import Supplier
from liasse.store import repo as store_repo
from liasse.store.blobs import BlobStore
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import make_session_factory
from liasse.store.documents_repo import DocumentRepo
from liasse.store.outbox_repo import OutboxRepo
from liasse.store.suppliers_repo import SupplierRepo
from liasse.store.tables import AuditEvent, SupplierRow
from liasse.sync import posting, steps
from liasse.sync.enrichment import StoreEnricher
from liasse.sync.pipeline import CLAIM_LEASE, Pipeline
from liasse.sync.steps import POST_BATCH
from liasse.sync.window import collect, run_window
from scripted import ScriptedExtractor, invoice_file

SELLERS = 8
INVOICES_PER_SELLER_PER_INBOX = 2
ROUNDS = 2


def luhn_siren(seed: int) -> str:
    """A valid SIREN (Luhn) from a seed, so each seller has real-looking identifiers."""
    base = f"{700000000 + seed * 7919:09d}"[:8]
    for check in range(10):
        digits = [int(c) for c in base + str(check)]
        total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2)
                    for i, d in enumerate(digits))
        if total % 10 == 0:
            return base + str(check)
    raise AssertionError("no Luhn digit")  # pragma: no cover: one of ten always fits


@dataclass
class CountingBank:
    """Honours idempotency keys like Qonto, and counts every send of every key."""

    sends: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, invoices: list[InvoiceToPost]) -> list[PostResult]:
        time.sleep(0.01)  # a real call takes time: the other window runs meanwhile
        with self.lock:
            self.sends.update(invoice.idempotency_key for invoice in invoices)
        return [PostResult(invoice.document_id, f"si-{invoice.idempotency_key[:8]}")
                for invoice in invoices]


def _world(engine: Engine, tmp_path: Path) -> tuple[list[Pipeline], CountingBank, str]:
    sessions = make_session_factory(engine)
    bank = CountingBank()
    with sessions.begin() as session:
        workspace = store_repo.create_workspace(session, "acme", "Acme")
        repo = ConnectionRepo(session, workspace.id)
        inboxes = {}
        for name in ("dropbox", "inbox"):
            folder = tmp_path / name
            folder.mkdir()
            inboxes[repo.add_connection("localfolder", name, {"path": str(folder)}).id] = folder
    context = WorkspaceContext(workspace.id, ("Acme",), (), Decimal("0.55"), Decimal("0.80"))
    for index, folder in enumerate(inboxes.values()):
        for seller in range(SELLERS):
            siren = luhn_siren(seller)
            for number in range(INVOICES_PER_SELLER_PER_INBOX):
                net = Decimal(100 + 10 * seller + 3 * index + number)  # no two totals alike
                invoice_file(folder, f"s{seller}-{index}-{number}.pdf", 0.99,
                             supplier_name=f"Seller {seller} SAS",
                             supplier_vat_id=vat_from_siren(siren), supplier_siren=siren,
                             net_amount=f"{net:.2f}", tax_amount=f"{net / 5:.2f}",
                             total_amount=f"{net * 6 / 5:.2f}")
    pipelines = [
        Pipeline(sessions=sessions, blobs=BlobStore(tmp_path / "blobs"), context=context,
                 sources={connection_id: LocalFolderSource(folder, settle_seconds=0)},
                 extractor=ScriptedExtractor(), enricher=StoreEnricher(sessions), poster=bank,
                 extract_workers=2, clock=lambda: datetime.now(UTC))
        for connection_id, folder in inboxes.items()
    ]
    return pipelines, bank, workspace.id


def _run_at_once(pipelines: list[Pipeline]) -> list[BaseException]:
    start = threading.Barrier(len(pipelines))
    errors: list[BaseException] = []

    def window(pipeline: Pipeline) -> None:
        start.wait()
        try:
            run_window(pipeline)
        except BaseException as exc:  # collected: the test reports any window that failed
            errors.append(exc)

    threads = [threading.Thread(target=window, args=(p,)) for p in pipelines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_two_windows_at_once_process_each_document_once(engine: Engine, tmp_path: Path
                                                        ) -> None:
    pipelines, bank, workspace_id = _world(engine, tmp_path)
    for _ in range(ROUNDS):
        assert _run_at_once(pipelines) == []
    files = 2 * SELLERS * INVOICES_PER_SELLER_PER_INBOX
    sessions = pipelines[0].sessions
    with sessions.begin() as session:
        documents = DocumentRepo(session, workspace_id).list_documents(limit=1000)
        assert sorted(Counter(d.state for d in documents).items()) == [("posted", files)], [
            (d.file_name, d.state, d.route_reasons) for d in documents if d.state != "posted"]
        steps = Counter(
            (event.subject_id, event.actor) for event in session.scalars(
                select(AuditEvent).where(AuditEvent.workspace_id == workspace_id,
                                         AuditEvent.after.is_not(None)))
        )
        suppliers = session.scalars(select(SupplierRow.sirens)
                                    .where(SupplierRow.workspace_id == workspace_id)).all()
        linked = session.scalar(select(func.count(func.distinct(SupplierRow.id)))
                                .where(SupplierRow.workspace_id == workspace_id))
    for document in documents:
        for actor in ("step:fetch", "step:extract", "step:enrich", "step:route", "step:post"):
            assert steps[(document.id, actor)] == 1, (document.file_name, actor)
    assert sorted(siren for sirens in suppliers for siren in sirens) == sorted(
        luhn_siren(seller) for seller in range(SELLERS))
    assert linked == SELLERS
    assert len(bank.sends) == files
    assert max(bank.sends.values()) == 1, "an intent was sent twice"


def test_a_supplier_created_by_two_writers_at_once_is_one_row(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
    siren = luhn_siren(3)
    start, made = threading.Barrier(2), []

    def create() -> None:
        start.wait()
        with sessions.begin() as session:
            made.append(SupplierRepo(session, workspace_id).add(
                Supplier("", "Seller SAS", (), (vat_from_siren(siren),), (siren,))).id)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with sessions.begin() as session:
        rows = session.scalars(select(SupplierRow.id)).all()
    assert len(made) == 2 and made[0] == made[1] and rows == [made[0]]


def test_a_known_identifier_of_a_merged_supplier_gives_the_kept_one(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
        repo = SupplierRepo(session, workspace_id)
        kept = repo.add(Supplier("", "Seller SAS", (), (), (luhn_siren(1),)))
        absorbed = repo.add(Supplier("", "Seller", (), (), (luhn_siren(2),)))
        repo.merge(kept.id, absorbed.id)
        again = repo.add(Supplier("", "Seller again", (), (), (luhn_siren(2),)))
        assert again.id == kept.id
        assert len(session.scalars(select(SupplierRow.id)).all()) == 2


def test_a_claimed_intent_is_nobody_elses_until_its_lease_ends(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    lease = now + CLAIM_LEASE
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
        repo = OutboxRepo(session, workspace_id)
        item, created = repo.enqueue_outbox("qonto.supplier_invoice", "key-1", {})
        again, created_again = repo.enqueue_outbox("qonto.supplier_invoice", "key-1", {})
        assert (created, created_again, again.id) == (True, False, item.id)
        assert repo.claim_outbox_item(item.id, now, owner="window-a", until=lease)
        assert not repo.claim_outbox_item(item.id, now, owner="window-b", until=lease)
        assert repo.outbox_ready(now) == []
        # The same owner (a restarted process) takes its claim back at once.
        assert [i.id for i in repo.outbox_ready(now, owner="window-a")] == [item.id]
        assert repo.claim_outbox_item(item.id, now, owner="window-a", until=lease)
        later = lease + timedelta(seconds=1)
        assert repo.claim_outbox_item(item.id, later, owner="window-b", until=later + CLAIM_LEASE)
        assert repo.get_outbox_item(item.id).attempts == 3


def test_a_post_batch_skips_what_others_hold_and_sends_the_rest(engine: Engine, tmp_path: Path
                                                                ) -> None:
    pipelines, bank, workspace_id = _world(engine, tmp_path)
    pipeline = pipelines[0]
    counts = steps.WindowCounts()
    for each in pipelines:
        for connection_id in each.sources:
            steps.intake(each, connection_id, counts)
        steps.fetch(each, counts)
    for work in (steps.extract, steps.enrich_and_route):
        work(pipeline, counts)
    assert posting.record_post_intents(pipeline) == counts.approved > POST_BATCH
    now = datetime.now(UTC)
    with pipeline.sessions.begin() as session:
        repo = OutboxRepo(session, workspace_id)
        held = {item.idempotency_key for item in repo.outbox_ready(now, limit=POST_BATCH)
                if repo.claim_outbox_item(item.id, now, owner="another worker",
                                          until=now + CLAIM_LEASE)}
    posting.drain_post_outbox(pipeline, counts)
    assert len(held) == POST_BATCH
    assert set(bank.sends) and not set(bank.sends) & held
    assert len(bank.sends) == counts.approved - POST_BATCH


@dataclass
class RecordingJobs:
    """A `JobSink` that keeps the read jobs' chunks (the queue's, without a queue)."""

    chunks: list[list[str]] = field(default_factory=list)
    posts: int = 0

    def documents_fetched(self, session: object, document_ids: list[str]) -> None:
        self.chunks.append(list(document_ids))

    def documents_to_post(self, session: object) -> None:
        self.posts += 1


def test_read_jobs_of_two_workers_at_once_read_each_document_once(engine: Engine,
                                                                  tmp_path: Path) -> None:
    """Both workers fetch in chunks, then both run every chunk's read job at once (as a job
    retried on another worker while the first still runs would): each document is read,
    enriched and routed once, and the chunks cover every document once."""
    pipelines, _, workspace_id = _world(engine, tmp_path)
    jobs = RecordingJobs()
    workers = [replace(pipeline, jobs=jobs) for pipeline in pipelines]
    for worker in workers:
        collect(worker)
    files = 2 * SELLERS * INVOICES_PER_SELLER_PER_INBOX
    chunked = [document_id for chunk in jobs.chunks for document_id in chunk]
    assert sorted(chunked) == sorted(set(chunked)) and len(chunked) == files
    assert max(len(chunk) for chunk in jobs.chunks) == steps.READ_CHUNK
    start, errors = threading.Barrier(2), []

    def read_all(worker: Pipeline) -> None:
        start.wait()
        try:
            for chunk in jobs.chunks:
                steps.read_documents(worker, chunk, steps.WindowCounts())
        except BaseException as exc:  # collected: the test reports any worker that failed
            errors.append(exc)

    threads = [threading.Thread(target=read_all, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with workers[0].sessions.begin() as session:
        documents = DocumentRepo(session, workspace_id).list_documents(limit=1000)
        moves = Counter((event.subject_id, event.actor) for event in session.scalars(
            select(AuditEvent).where(AuditEvent.workspace_id == workspace_id,
                                     AuditEvent.after.is_not(None))))
    assert Counter(d.state for d in documents) == {"approved": files}
    for document in documents:
        for actor in ("step:fetch", "step:extract", "step:enrich", "step:route"):
            assert moves[(document.id, actor)] == 1, (document.file_name, actor)
    assert jobs.posts >= 1  # each stored chunk with an approval asked for the post job


def test_a_read_job_leaves_a_document_another_worker_holds(engine: Engine, tmp_path: Path
                                                          ) -> None:
    pipelines, _, workspace_id = _world(engine, tmp_path)
    jobs = RecordingJobs()
    worker = replace(pipelines[0], jobs=jobs)
    collect(worker)
    chunk = jobs.chunks[0]
    now = datetime.now(UTC)
    with worker.sessions.begin() as session:
        assert DocumentRepo(session, workspace_id).claim_document(
            chunk[1], State.FETCHED, "another worker", now, now + CLAIM_LEASE)
    counts = steps.WindowCounts()
    steps.read_documents(worker, chunk, counts)
    assert counts.extracted == len(chunk) - 1
    with worker.sessions.begin() as session:
        repo = DocumentRepo(session, workspace_id)
        states = {document_id: repo.get_document(document_id).state for document_id in chunk}
    assert states.pop(chunk[1]) == "fetched"  # the other worker's, left to it
    assert set(states.values()) == {"approved"}


def test_a_posted_batch_is_recorded_and_one_moved_meanwhile_keeps_its_state(
        engine: Engine, tmp_path: Path) -> None:
    """A person sends one invoice back to review while the batch's call is out: the post
    happened all the same (its id is kept, the audit says so), the others move to posted."""
    pipelines, bank, workspace_id = _world(engine, tmp_path)
    pipeline = pipelines[0]
    counts = steps.WindowCounts()
    for connection_id in pipeline.sources:
        steps.intake(pipeline, connection_id, counts)
    steps.fetch(pipeline, counts)
    steps.extract(pipeline, counts)
    steps.enrich_and_route(pipeline, counts)
    posting.record_post_intents(pipeline)
    moved: list[str] = []

    def post_while_a_person_reviews(invoices: list[InvoiceToPost]) -> list[PostResult]:
        results = CountingBank.post(bank, invoices)
        if not moved:
            moved.append(invoices[0].document_id)
            with pipeline.sessions.begin() as session:
                repo = DocumentRepo(session, workspace_id)
                repo.apply_transition(repo.get_document(moved[0]), transition(
                    State.APPROVED, State.IN_REVIEW, actor="user:ann", reason="check"))
        return results

    posting.drain_post_outbox(replace(pipeline, poster=_Poster(post_while_a_person_reviews)),
                              counts)
    with pipeline.sessions.begin() as session:
        repo = DocumentRepo(session, workspace_id)
        documents = repo.list_documents(limit=1000)
        trail = repo.audit_trail(moved[0])
        items = OutboxRepo(session, workspace_id).list_outbox()
    states = Counter(document.state for document in documents)
    assert states == {"posted": len(documents) - 1, "in_review": 1}
    assert all(document.qonto_invoice_id for document in documents)
    assert trail[-1].reason.endswith("(while it was in_review)")
    assert {item.status for item in items} == {"done"}
    assert counts.posted == len(documents)


@dataclass
class _Poster:
    post: Callable[[list[InvoiceToPost]], list[PostResult]]
