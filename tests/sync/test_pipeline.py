"""The pipeline on a real database and a real inbox folder, with scripted extractor and bank.

The extractor here is a test double that reads the expected fields from the test file
itself, so these tests are about the pipeline (states, audit, outbox, idempotency), not
about extraction quality, which `tests/extract` covers with the real engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from liasse.connectors.localfolder import LocalFolderSource
from liasse.domain.errors import NeedsReconnect, TransientFailure
from liasse.domain.ports import (
    Extractor,
    InvoicePoster,
    InvoiceToPost,
    PostResult,
    WorkspaceContext,
)
from liasse.store.documents_repo import DocumentRepo
from liasse.store.outbox_repo import OutboxRepo
from liasse.store.source_files_repo import SourceFileRepo
from liasse.sync.pipeline import RetryPolicy
from liasse.sync.window import run_window
from scripted import PipelineFactory, ScriptedExtractor, inbox_of, invoice_file

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass
class FakeBank:
    """Honours idempotency keys like Qonto: the same key returns the first invoice."""

    invoices: dict[str, str] = field(default_factory=dict)
    calls: int = 0
    transient_failures: int = 0
    reject: set[str] = field(default_factory=set)
    crash_after_posting: bool = False
    auth_broken: bool = False

    def post(self, invoices: list[InvoiceToPost]) -> list[PostResult]:
        self.calls += 1
        if self.auth_broken:
            raise NeedsReconnect("Qonto said 401: reconnect")
        if self.transient_failures:
            self.transient_failures -= 1
            raise TransientFailure("Qonto answered 503")
        results = []
        for invoice in invoices:
            if invoice.file_name in self.reject:
                results.append(PostResult(invoice.document_id, None, "file is not a PDF"))
                continue
            remote = self.invoices.setdefault(invoice.idempotency_key, f"si-{len(self.invoices)}")
            results.append(PostResult(invoice.document_id, remote))
        if self.crash_after_posting:
            self.crash_after_posting = False
            raise KeyboardInterrupt("process killed after Qonto answered")
        return results


@pytest.fixture
def world(inbox_pipeline: PipelineFactory) -> dict[str, Any]:
    clock = [T0]
    extractor, bank = ScriptedExtractor(), FakeBank()
    pipeline = inbox_pipeline(bank, own_names=("Acme",), extractor=extractor,
                              retry=RetryPolicy(max_attempts=3, first_delay_seconds=60),
                              clock=lambda: clock[0])
    return {"pipeline": pipeline, "inbox": inbox_of(pipeline), "bank": bank,
            "extractor": extractor, "clock": clock, "sessions": pipeline.sessions,
            "workspace_id": pipeline.workspace_id}


def states(world: dict[str, Any]) -> dict[str, str]:
    with world["sessions"].begin() as session:
        repo = DocumentRepo(session, world["workspace_id"])
        return {d.file_name: d.state for d in repo.list_documents(limit=1000)}


def test_documents_are_routed_by_confidence_and_the_sure_ones_posted(world: dict[str, Any]
                                                                     ) -> None:
    invoice_file(world["inbox"], "sure.pdf", 0.95)
    invoice_file(world["inbox"], "unsure.pdf", 0.70)
    invoice_file(world["inbox"], "bad.pdf", 0.30)
    counts = run_window(world["pipeline"]).as_dict()
    assert counts == {"discovered": 3, "duplicates": 0, "extracted": 3, "refused": 1,
                      "review": 1, "approved": 1, "posted": 1, "failed": 0, "parked": 0}
    assert states(world) == {"sure.pdf": "posted", "unsure.pdf": "in_review",
                             "bad.pdf": "refused"}
    assert list(world["bank"].invoices.values()) == ["si-0"]


def test_every_transition_is_in_the_audit_trail(world: dict[str, Any]) -> None:
    invoice_file(world["inbox"], "sure.pdf", 0.95)
    run_window(world["pipeline"])
    with world["sessions"].begin() as session:
        repo = DocumentRepo(session, world["workspace_id"])
        document = repo.list_documents()[0]
        trail = [(e.actor, e.before, e.after) for e in repo.audit_trail(document.id)]
    assert trail == [
        ("step:fetch", "discovered", "fetched"),
        ("step:extract", "fetched", "extracted"),
        ("step:enrich", "extracted", "enriched"),
        ("step:route", "enriched", "approved"),
        ("step:post", "approved", "posted"),
    ]


def test_a_second_window_processes_nothing_twice(world: dict[str, Any]) -> None:
    invoice_file(world["inbox"], "a.pdf", 0.95)
    (world["inbox"] / "copy-of-a.pdf").write_bytes((world["inbox"] / "a.pdf").read_bytes())
    first = run_window(world["pipeline"]).as_dict()
    second = run_window(world["pipeline"]).as_dict()
    assert (first["discovered"], first["duplicates"], first["posted"]) == (2, 1, 1)
    assert second == {**dict.fromkeys(second, 0), "duplicates": 2}
    assert world["extractor"].calls == 1
    assert world["bank"].calls == 1


def test_transient_failures_retry_with_backoff_then_post_once(world: dict[str, Any]) -> None:
    world["bank"].transient_failures = 1
    invoice_file(world["inbox"], "a.pdf", 0.95)
    assert run_window(world["pipeline"]).failed == 1
    assert states(world) == {"a.pdf": "retry_scheduled"}
    run_window(world["pipeline"])  # backoff not elapsed: nothing happens
    assert states(world) == {"a.pdf": "retry_scheduled"}
    world["clock"][0] += timedelta(minutes=2)
    assert run_window(world["pipeline"]).posted == 1
    assert states(world) == {"a.pdf": "posted"}
    assert len(world["bank"].invoices) == 1


def test_a_crash_after_the_call_never_posts_twice(world: dict[str, Any]) -> None:
    world["bank"].crash_after_posting = True
    invoice_file(world["inbox"], "a.pdf", 0.95)
    with pytest.raises(KeyboardInterrupt):
        run_window(world["pipeline"])
    assert states(world) == {"a.pdf": "approved"}  # the bookkeeping never happened
    assert run_window(world["pipeline"]).posted == 1
    assert world["bank"].calls == 2
    assert len(world["bank"].invoices) == 1  # replayed by key, not created again


def test_a_rejected_item_is_parked_alone(world: dict[str, Any]) -> None:
    world["bank"].reject = {"b.pdf"}
    invoice_file(world["inbox"], "a.pdf", 0.95)
    invoice_file(world["inbox"], "b.pdf", 0.96)
    counts = run_window(world["pipeline"])
    assert (counts.posted, counts.parked) == (1, 1)
    assert states(world) == {"a.pdf": "posted", "b.pdf": "parked"}
    with world["sessions"].begin() as session:
        repo = OutboxRepo(session, world["workspace_id"])
        item = repo.list_outbox(status="parked")[0]
        assert item.last_error == "file is not a PDF"


def test_auth_failure_blocks_and_stops_calling(world: dict[str, Any]) -> None:
    world["bank"].auth_broken = True
    invoice_file(world["inbox"], "a.pdf", 0.95)
    invoice_file(world["inbox"], "b.pdf", 0.95)
    run_window(world["pipeline"])
    assert states(world) == {"a.pdf": "blocked_on_auth", "b.pdf": "blocked_on_auth"}
    assert world["bank"].calls == 1


def test_without_an_extractor_documents_are_parked_with_the_reason(world: dict[str, Any]
                                                                   ) -> None:
    world["pipeline"] = replace(world["pipeline"], extractor=None)
    invoice_file(world["inbox"], "a.pdf", 0.95)
    assert run_window(world["pipeline"]).parked == 1
    with world["sessions"].begin() as session:
        document = DocumentRepo(session, world["workspace_id"]).list_documents()[0]
        assert document.state == "parked"
        assert "no extraction engine" in (document.last_error or "")


def test_a_vanished_file_is_visible(world: dict[str, Any], tmp_path: Path) -> None:
    class Vanishing(LocalFolderSource):
        def fetch(self, entry: Any, sink: Any) -> None:
            (self.root / entry.ref).unlink()
            super().fetch(entry, sink)

    pipeline = world["pipeline"]
    connection_id = next(iter(pipeline.sources))
    world["pipeline"] = replace(pipeline, sources={
        connection_id: Vanishing(world["inbox"], settle_seconds=0)})
    invoice_file(world["inbox"], "a.pdf", 0.95)
    assert run_window(world["pipeline"]).failed == 1
    with world["sessions"].begin() as session:
        row = SourceFileRepo(session, world["workspace_id"]).list_source_files()[0]
        assert (row.status, "vanished" in (row.error or "")) == ("vanished", True)


def test_test_doubles_conform_to_the_protocols() -> None:
    assert isinstance(ScriptedExtractor(), Extractor)
    assert isinstance(FakeBank(), InvoicePoster)


def test_several_documents_are_read_at_once(world: dict[str, Any]) -> None:
    import threading
    import time

    class SlowExtractor(ScriptedExtractor):
        def __init__(self) -> None:
            super().__init__()
            self.running = 0
            self.most = 0
            self.lock = threading.Lock()

        def extract(self, data: bytes, *, file_name: str, context: WorkspaceContext
                    ) -> Any:
            with self.lock:
                self.running += 1
                self.most = max(self.most, self.running)
            time.sleep(0.2)  # as a scan waits for its Tesseract process
            with self.lock:
                self.running -= 1
            return super().extract(data, file_name=file_name, context=context)

    slow = SlowExtractor()
    pipeline = replace(world["pipeline"], extractor=slow, extract_workers=2)
    for name in ("a.pdf", "b.pdf", "c.pdf", "d.pdf"):
        invoice_file(world["inbox"], name, 0.95)
    assert run_window(pipeline).extracted == 4
    assert slow.most == 2
