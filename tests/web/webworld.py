"""A workspace filled through the real pipeline, people with roles, and a logged-in client.

The extractor is a scripted double (it reads the expected fields written in the test file)
and the bank a recording double that honours idempotency keys like Qonto: the web tests
are about the app, not about extraction or the Qonto wire format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher

from liasse.app.accounts import add_user
from liasse.app.pipelines import build_pipeline
from liasse.app.services import Services, open_services
from liasse.app.settings import Settings, WebConfig
from liasse.app.setup import initialise
from liasse.domain.extraction import ExtractedField, ExtractionResult
from liasse.domain.ports import InvoiceToPost, PostResult, WorkspaceContext
from liasse.enrich.baseline import ConfidenceEnricher
from liasse.store import repo as store_repo
from liasse.store.documents_repo import DocumentRepo
from liasse.sync.steps import WindowCounts
from liasse.sync.window import run_window

PASSWORD = "correct horse battery"
# Cheap argon2 parameters: the tests log in often; production uses the library's defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
TEST_CONFIG = WebConfig(password_time_cost=1, password_memory_kib=1024,
                        session_secret="test-session-secret-0123456789")  # type: ignore[arg-type]


class ScriptedExtractor:
    """Reads `{"confidence": .., "fields": {...}}` written after the %PDF header."""

    def extract(self, data: bytes, *, file_name: str, context: WorkspaceContext
                ) -> ExtractionResult:
        script = json.loads(data.split(b"\n", 1)[1])
        confidence = float(script["confidence"])
        per_field = script.get("field_confidence", {})
        return ExtractionResult(
            file=file_name, sha256="", layer="text", einvoice=None,
            document_type=script.get("type", "invoice"),
            fields={name: ExtractedField(value, float(per_field.get(name, confidence)),
                                         f"page 1: “{value}”")
                    for name, value in script["fields"].items()},
            confidence=confidence,
        )


@dataclass
class RecordingBank:
    """Records every post; the same idempotency key returns the first invoice id."""

    invoices: dict[str, str] = field(default_factory=dict)
    posted_files: list[str] = field(default_factory=list)
    reject: set[str] = field(default_factory=set)

    def post(self, invoices: list[InvoiceToPost]) -> list[PostResult]:
        results = []
        for invoice in invoices:
            if invoice.file_name in self.reject:
                results.append(PostResult(invoice.document_id, None,
                                          "Qonto refused the file: supplier IBAN is invalid"))
                continue
            remote = self.invoices.setdefault(invoice.idempotency_key,
                                              f"si-{len(self.invoices) + 1}")
            self.posted_files.append(invoice.file_name)
            results.append(PostResult(invoice.document_id, remote))
        return results


def invoice_file(folder: Path, name: str, confidence: float, **fields: Any) -> Path:
    field_confidence = fields.pop("field_confidence", {})
    values = {"supplier_name": "Cowork Rivoli", "invoice_number": name.split(".")[0],
              "issue_date": "2026-11-03", "due_date": "2026-11-20", "total_amount": "120.00",
              "currency": "EUR", **fields}
    path = folder / name
    script = {"confidence": confidence, "fields": values, "field_confidence": field_confidence}
    path.write_bytes(b"%PDF-1.4\n" + json.dumps(script).encode())
    return path


@dataclass
class World:
    services: Services
    settings: Settings
    bank: RecordingBank
    inbox: Path

    def run_window(self) -> WindowCounts:
        # Web tests script the routing outcome through the extraction confidence; the
        # supplier-aware enricher is tested in tests/enrich and tests/sync.
        pipeline = replace(build_pipeline(self.services), extractor=ScriptedExtractor(),
                           enricher=ConfidenceEnricher())
        return run_window(pipeline)

    def add_user(self, email: str, role: str, workspace: str = "default") -> None:
        add_user(self.services, email, PASSWORD, role=role, workspace=workspace,
                 hasher=FAST_HASHER)

    def add_workspace(self, slug: str) -> str:
        with self.services.sessions.begin() as session:
            return store_repo.create_workspace(session, slug, slug.title()).id

    def document_id(self, file_name: str) -> str:
        with self.services.repo(DocumentRepo) as repo:
            for document in repo.list_documents(limit=10_000):
                if document.file_name == file_name:
                    return document.id
        raise LookupError(file_name)

    def state_of(self, file_name: str) -> str:
        with self.services.repo(DocumentRepo) as repo:
            return repo.get_document(self.document_id(file_name)).state

    def repo_call(self, call: Any, kind: type[Any] = DocumentRepo) -> Any:
        """`call` with the workspace's repository of `kind`, in a transaction of its own."""
        with self.services.repo(kind) as repo:
            return call(repo)


def make_world(settings: Settings) -> World:
    initialise(settings)
    services = open_services(settings)
    bank = RecordingBank()
    services.poster = bank
    return World(services, settings, bank, settings.inbox_path)


def filled_world(settings: Settings) -> World:
    """Three invoices: one sure (posted), two for review (one with a low total), one refused."""
    world = make_world(settings)
    invoice_file(world.inbox, "sure.pdf", 0.95, supplier_name="Orange Business")
    invoice_file(world.inbox, "unsure.pdf", 0.70, field_confidence={"total_amount": 0.4})
    invoice_file(world.inbox, "second.pdf", 0.75, supplier_name="Boulangerie Lemoine",
                 total_amount="48.30")
    invoice_file(world.inbox, "bad.pdf", 0.30)
    world.run_window()
    world.add_user("owner@example.com", "owner")
    return world


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def csrf_of(page: str) -> str:
    match = CSRF_META.search(page)
    assert match, "every page carries the CSRF token"
    return match.group(1)


def login(client: httpx.Client | Any, email: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf": csrf_of(page.text), "next": "/"})


def defer_read_jobs(world: World, count: int) -> None:
    """Read jobs for `count` documents, deferred the way the pipeline defers them (PostgreSQL)."""
    from liasse.app.jobs.queue import QueueJobs, make_defer_app

    jobs = QueueJobs(make_defer_app(world.services), world.services, "default")
    with world.services.repo(DocumentRepo) as repo:
        for document in repo.list_documents(limit=count):
            jobs.document_fetched(repo.session, document.id)


def run_sql(world: World, statement: str) -> None:
    from sqlalchemy import text

    with world.services.sessions.begin() as session:
        session.execute(text(statement))
