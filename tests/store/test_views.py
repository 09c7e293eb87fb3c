"""The typed reads of the JSON columns give what the old dict readers gave, defaults included."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from liasse.domain.outcome import approval_blocker, plan_of
from liasse.store import repo as store_repo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import make_session_factory
from liasse.store.documents_repo import DocumentRepo
from liasse.store.outbox_repo import OutboxRepo
from liasse.store.views import (
    OUTBOX_DROPBOX_WRITE,
    OUTBOX_QONTO_ATTACH,
    OUTBOX_QONTO_INVOICE,
    AttachPayload,
    ConnectionConfig,
    InvoicePostPayload,
    OtherPayload,
    WriteBackPayload,
    outbox_payload,
)


def test_an_empty_config_reads_as_the_old_defaults() -> None:
    config = ConnectionConfig.of(None)
    assert (config.folder, config.recursive, config.write_back, config.instant) == (
        "", True, False, False)
    assert config.folder_id is None and config.path is None and config.auth is None
    assert config.window_minutes(15.0) == 15.0 and config.integer("batch", 200) == 200
    assert config.write_back_after == "posted" and config.backfill is None


def test_a_config_reads_its_choices_typed() -> None:
    config = ConnectionConfig.of({
        "folder": "/Factures", "folder_id": "id:42", "recursive": False, "write_back": True,
        "mode": "instant", "firm_root": True, "emulator": True, "auth": "oauth",
        "base_url": "http://127.0.0.1:1", "window_minutes": "30", "batch": "50",
        "backfill": {"status": "pending"}, "document_kind": "receipt"})
    assert config.folder == "/Factures" and config.folder_id == "id:42"
    assert not config.recursive and config.write_back and config.instant and config.firm_root
    assert config.emulator and config.auth == "oauth" and config.base_url == "http://127.0.0.1:1"
    assert config.window_minutes(15.0) == 30.0 and config.integer("batch", 200) == 50
    assert config.backfill == {"status": "pending"} and config.document_kind == "receipt"


def test_the_view_is_a_copy_writes_still_go_through_the_column() -> None:
    raw = {"folder": "/a"}
    config = ConnectionConfig.of(raw)
    raw["folder"] = "/b"
    assert config.folder == "/a"
    assert config.as_dict() == {"folder": "/a"} and config.as_dict() is not config.raw


@pytest.mark.parametrize(("kind", "payload", "expected"), [
    (OUTBOX_QONTO_INVOICE, {"sha256": "s", "file_name": "f.pdf", "facts": {"total": "1.00"}},
     InvoicePostPayload("s", "f.pdf", {"total": "1.00"})),
    (OUTBOX_QONTO_ATTACH, {"transaction_id": "t", "sha256": "s", "file_name": "r.pdf",
                           "match_id": "m"}, AttachPayload("t", "s", "r.pdf", "m")),
    (OUTBOX_DROPBOX_WRITE, {"connection_id": "c", "path": "/p.pdf", "sha256": "s"},
     WriteBackPayload("c", "/p.pdf", "s")),
    ("other.kind", {"x": 1}, OtherPayload({"x": 1})),
])
def test_each_outbox_kind_reads_as_its_payload(kind: str, payload: dict[str, object],
                                               expected: object) -> None:
    read = outbox_payload(kind, payload)
    assert read == expected
    assert read.to_json() == payload


def test_rows_give_their_views_at_the_store_boundary(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace = store_repo.create_workspace(session, "views", "Views")
        connection = ConnectionRepo(session, workspace.id).add_connection(
            "dropbox", "box", {"folder": "/In", "write_back": True})
        documents = DocumentRepo(session, workspace.id)
        document = documents.create_document(sha256="v" * 64, size=1, file_name="a.pdf",
                                             media_type="application/pdf", actor="test")
        item, _ = OutboxRepo(session, workspace.id).enqueue_outbox(
            OUTBOX_DROPBOX_WRITE, "k", {"connection_id": connection.id, "path": "/x.pdf",
                                        "sha256": document.sha256}, document.id)
        assert connection.read_config().folder == "/In" and connection.read_config().write_back
        assert document.read_extraction() is None  # not extracted yet
        document.extraction = {"fields": {"total_amount": {"value": "12.00",
                                                           "confidence": 0.9}},
                               "errors": ["not a PDF"]}
        extraction = document.read_extraction()
        assert extraction is not None and extraction.value("total_amount") == "12.00"
        assert plan_of("invoice", None, extraction) == "nothing"
        assert approval_blocker(extraction) is not None
        assert item.read_payload_as(WriteBackPayload).path == "/x.pdf"
        with pytest.raises(TypeError):
            item.read_payload_as(InvoicePostPayload)
