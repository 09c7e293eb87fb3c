"""One workspace never sees another's rows: every public method of each per-aggregate
repository is probed."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from liasse.domain.ports import SourceEntry
from liasse.domain.states import State, transition
from liasse.store import repo as store_repo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import make_session_factory
from liasse.store.documents_repo import DocumentRepo
from liasse.store.outbox_repo import OutboxRepo
from liasse.store.repo import NotFound
from liasse.store.secrets_repo import SecretRepo
from liasse.store.source_files_repo import SourceFileRepo
from liasse.store.tables import Connection

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class Seeded:
    workspace_id: str
    connection_id: str
    source_file_id: str
    document_id: str
    outbox_id: str
    outbox_key: str


def seed(session: Session, slug: str) -> Seeded:
    workspace = store_repo.create_workspace(session, slug, slug.title())
    connections = ConnectionRepo(session, workspace.id)
    documents = DocumentRepo(session, workspace.id)
    connection = connections.add_connection("localfolder", "inbox", {"path": "/tmp/x"})
    entry = SourceEntry(ref="a.pdf", path="a.pdf", version="1-10", size=10, modified_at=NOW)
    source_file = SourceFileRepo(session, workspace.id).record_source_file(
        connection.id, entry).row
    document = documents.create_document(sha256=f"{slug:0<64}"[:64], size=10, file_name="a.pdf",
                                         media_type="application/pdf", actor="test")
    source_file.document_id = document.id
    key = f"key-{slug}"
    item, _ = OutboxRepo(session, workspace.id).enqueue_outbox(
        "qonto.supplier_invoice", key, {"x": 1}, document.id)
    secrets = SecretRepo(session, workspace.id)
    secrets.save_data_key("master", b"wrapped-" + slug.encode())
    secrets.save_secret_ciphertext("token", b"cipher-" + slug.encode())
    connections.save_cursor(connection.id, f"cursor-{slug}", NOW)
    session.flush()
    return Seeded(workspace.id, connection.id, source_file.id, document.id, item.id, key)


def _rows_belong(result: Any, workspace_id: str) -> None:
    rows = result if isinstance(result, list | tuple) else [result]
    if hasattr(result, "__iter__") and not isinstance(result, list | tuple | dict | str | bytes):
        rows = list(result)
    for row in rows:
        owner = getattr(row, "workspace_id", workspace_id)
        assert owner == workspace_id, f"{row!r} belongs to another workspace"


def _not_found(call: Callable[[], Any]) -> None:
    with pytest.raises(NotFound):
        call()


Probes = dict[str, Callable[[], None]]


def connection_probes(a: ConnectionRepo, b: Seeded) -> Probes:
    """For each method: a call aimed at workspace B's data through workspace A's repo."""
    later = NOW + timedelta(minutes=5)
    return {
        "workspace": lambda: _rows_belong(a.workspace(), a.workspace_id),
        "add_connection": lambda: _rows_belong(a.add_connection("x", "other", {}), a.workspace_id),
        "get_connection": lambda: _not_found(lambda: a.get_connection(b.connection_id)),
        "connection_by_name": lambda: _rows_belong(a.connection_by_name("inbox"), a.workspace_id),
        "list_connections": lambda: _rows_belong(a.list_connections(), a.workspace_id),
        "save_cursor": lambda: _not_found(lambda: a.save_cursor(b.connection_id, "x", NOW)),
        "acquire_lease": lambda: _assert_false(a.acquire_lease(b.connection_id, "me", NOW, later)),
        "acquire_due_lease": lambda: _assert_false(
            a.acquire_due_lease(b.connection_id, "me", NOW, later)),
        "release_lease": lambda: _release_leaves_b_alone(a, b),
        "connections_due": lambda: _rows_belong(a.connections_due(NOW, "me"), a.workspace_id),
        "set_connection_status": lambda: _not_found(
            lambda: a.set_connection_status(b.connection_id, "x", None)),
    }


def source_file_probes(a: SourceFileRepo, b: Seeded) -> Probes:
    entry = SourceEntry(ref="b.pdf", path="b.pdf", version="1", size=1, modified_at=NOW)
    return {
        "record_source_file": lambda: _not_found(
            lambda: a.record_source_file(b.connection_id, entry)),
        "record_source_files": lambda: _not_found(
            lambda: a.record_source_files(b.connection_id, [entry])),
        "get_source_file": lambda: _not_found(lambda: a.get_source_file(b.source_file_id)),
        "source_files_to_fetch": lambda: _rows_belong(a.source_files_to_fetch(), a.workspace_id),
        "source_files_of_document": lambda: _assert_empty(
            a.source_files_of_document(b.document_id)),
        "list_source_files": lambda: _rows_belong(a.list_source_files(), a.workspace_id),
        "count_source_files_by_status": lambda: _assert_count(
            a.count_source_files_by_status(), 1),
        "settle_fetched_file": lambda: _assert_false(
            a.settle_fetched_file(b.source_file_id, b.document_id, duplicate=False)),
        "settle_fetched_files": lambda: _assert_false(
            a.settle_fetched_files([(b.source_file_id, b.document_id, False)])),
    }


def document_probes(a: DocumentRepo, b: Seeded) -> Probes:
    own_document = a.documents_in_states([State.FETCHED])[0]
    return {
        "document_by_sha256": lambda: _assert_none(a.document_by_sha256(f"{'b':0<64}")),
        "documents_by_sha256": lambda: _assert_empty(a.documents_by_sha256([f"{'b':0<64}"])),
        "create_document": lambda: _rows_belong(a.create_document(
            sha256="c" * 64, size=1, file_name="c", media_type="x", actor="t"), a.workspace_id),
        "get_document": lambda: _not_found(lambda: a.get_document(b.document_id)),
        "find_document": lambda: _assert_none(a.find_document(b.document_id)),
        "documents_in_states": lambda: _rows_belong(
            a.documents_in_states(list(State)), a.workspace_id),
        "documents_due_for_retry": lambda: _rows_belong(
            a.documents_due_for_retry(NOW), a.workspace_id),
        "list_documents": lambda: _rows_belong(a.list_documents(), a.workspace_id),
        "count_documents_by_state": lambda: _assert_count(a.count_documents_by_state(), 1),
        "apply_transition": lambda: _not_found(lambda: a.apply_transition(
            a.session.get(type(own_document), b.document_id),  # type: ignore[arg-type]
            transition(State.FETCHED, State.EXTRACTED, actor="t", reason="r"))),
        "claim_document": lambda: _assert_false(a.claim_document(
            b.document_id, State.FETCHED, "me", NOW, NOW + timedelta(minutes=5))),
        "claim_documents": lambda: _assert_empty(a.claim_documents(
            [b.document_id], [State.FETCHED], "me", NOW, NOW + timedelta(minutes=5))),
        "documents_by_ids": lambda: _assert_empty(a.documents_by_ids([b.document_id])),
        "documents_for_update": lambda: _assert_empty(a.documents_for_update([b.document_id])),
        "apply_transitions": lambda: _not_found(lambda: a.apply_transitions(
            a.session.get(type(own_document), b.document_id),  # type: ignore[arg-type]
            [(transition(State.FETCHED, State.EXTRACTED, actor="t", reason="r"), {})])),
        "apply_transitions_to_many": lambda: _not_found(lambda: a.apply_transitions_to_many([(
            a.session.get(type(own_document), b.document_id),  # type: ignore[list-item]
            [(transition(State.FETCHED, State.EXTRACTED, actor="t", reason="r"), {})])])),
        "add_audit": lambda: _rows_belong(
            a.add_audit("document", "x", actor="t", reason="r"), a.workspace_id),
        "audit_trail": lambda: _assert_empty(a.audit_trail(b.document_id)),
    }


def outbox_probes(a: OutboxRepo, b: Seeded) -> Probes:
    return {
        "enqueue_outbox": lambda: _assert_new_row(
            a.enqueue_outbox("k", b.outbox_key, {}), a.workspace_id),
        "outbox_item_by_key": lambda: _not_found(lambda: a.outbox_item_by_key(b.outbox_key)),
        "outbox_items_by_keys": lambda: _assert_empty(a.outbox_items_by_keys([b.outbox_key])),
        "get_outbox_item": lambda: _not_found(lambda: a.get_outbox_item(b.outbox_id)),
        "outbox_ready": lambda: _rows_belong(a.outbox_ready(NOW), a.workspace_id),
        "list_outbox": lambda: _rows_belong(a.list_outbox(), a.workspace_id),
        "enqueue_outbox_many": lambda: _assert_equal(a.enqueue_outbox_many(
            "k", [(b.outbox_key, {}, None)]), {b.outbox_key}),  # its own, not b's
        "claim_outbox_items": lambda: _assert_empty(a.claim_outbox_items(
            [b.outbox_id], NOW, owner="me", until=NOW + timedelta(minutes=5))),
        "claim_outbox_item": lambda: _assert_false(a.claim_outbox_item(
            b.outbox_id, NOW, owner="me", until=NOW + timedelta(minutes=5))),
        "release_outbox_item": lambda: _not_found(lambda: a.release_outbox_item(b.outbox_id, NOW)),
    }


def secret_probes(a: SecretRepo, b: Seeded) -> Probes:
    return {
        "data_key": lambda: _assert_equal(a.data_key().wrapped, b"wrapped-alpha"),  # type: ignore[union-attr]
        "save_data_key": lambda: _rows_belong(a.save_data_key("m", b"w"), a.workspace_id),
        "secret_ciphertext": lambda: _assert_equal(a.secret_ciphertext("token"), b"cipher-alpha"),
        "save_secret_ciphertext": lambda: a.save_secret_ciphertext("token", b"new"),
        "delete_secret": lambda: _assert_false(a.delete_secret("only-in-b")),
        "secret_names": lambda: _assert_equal(a.secret_names(), ["token"]),
    }


# Every per-aggregate repository of a workspace's rows, with its probes.
REPOSITORIES: dict[type[Any], Callable[[Any, Seeded], Probes]] = {
    ConnectionRepo: connection_probes,
    SourceFileRepo: source_file_probes,
    DocumentRepo: document_probes,
    OutboxRepo: outbox_probes,
    SecretRepo: secret_probes,
}


def _release_leaves_b_alone(a: ConnectionRepo, b: Seeded) -> None:
    a.release_lease(b.connection_id, "me", NOW)
    assert a.session.get(Connection, b.connection_id).next_sync_at is None  # type: ignore[union-attr]


def _assert_empty(rows: Any) -> None:
    assert list(rows) == []


def _assert_none(value: Any) -> None:
    assert value is None


def _assert_equal(value: Any, expected: Any) -> None:
    assert value == expected


def _assert_false(value: bool) -> None:
    assert value is False


def _assert_equal(value: Any, expected: Any) -> None:
    assert value == expected


def _assert_count(counts: dict[str, int], expected: int) -> None:
    assert sum(counts.values()) == expected


def _assert_new_row(result: tuple[Any, bool], workspace_id: str) -> None:
    item, created = result
    assert created, "a key used by another workspace must not return that workspace's intent"
    assert item.workspace_id == workspace_id


def public_methods(repository: type[Any]) -> set[str]:
    return {name for name, _ in inspect.getmembers(repository, inspect.isfunction)
            if not name.startswith("_")}


def test_every_repository_of_the_split_is_probed() -> None:
    """A new repository module beside these must join REPOSITORIES to be walked."""
    from liasse.store import repo as base

    bound = {cls for cls in REPOSITORIES if issubclass(cls, base.BoundRepo)}
    assert bound == set(REPOSITORIES)
    assert set(base.BoundRepo.__subclasses__()) <= set(REPOSITORIES)


@pytest.mark.parametrize("repository", list(REPOSITORIES), ids=lambda cls: cls.__name__)
def test_every_public_method_has_an_isolation_probe(engine: Engine,
                                                     repository: type[Any]) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        seed(session, "alpha")
        b = seed(session, "beta")
        SecretRepo(session, b.workspace_id).save_secret_ciphertext("only-in-b", b"z")
    with sessions.begin() as session:
        alpha = store_repo.find_workspace_by_slug(session, "alpha")
        assert alpha is not None
        table = REPOSITORIES[repository](repository(session, alpha.id), b)
        assert set(table) == public_methods(repository), "a method has no isolation probe"
        for name in sorted(table):
            savepoint = session.begin_nested()  # each probe sees the seeded state only
            try:
                table[name]()
            finally:
                savepoint.rollback()
    with sessions.begin() as session:
        assert SecretRepo(session, b.workspace_id).secret_ciphertext("token") == b"cipher-beta"
        assert ConnectionRepo(session, b.workspace_id).get_connection(
            b.connection_id).cursor == "cursor-beta"


def test_supplier_memories_stay_in_their_workspace(engine: Engine) -> None:
    """Every public MemoryRepo method, aimed at workspace B's memory through A's repo."""
    from liasse.domain.suppliers import Supplier
    from liasse.extract.memory import FieldHint, SupplierMemory
    from liasse.store.memory_repo import MemoryRepo, SharedModel
    from liasse.store.suppliers_repo import SupplierRepo

    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        a = seed(session, "alpha")
        b = seed(session, "beta")
        supplier = SupplierRepo(session, b.workspace_id).add(Supplier("", "Beta Leasing"))
        remembered = SupplierMemory(supplier.id, "Beta Leasing",
                                    hints={"currency": FieldHint("currency", "EUR", None)},
                                    confirmations=1)
        MemoryRepo(session, b.workspace_id).save(remembered)
        facts = SharedModel(12, (12, None), NOW)
        MemoryRepo(session, b.workspace_id).share_model(facts, b"beta's model")
    with sessions.begin() as session:
        repo_a = MemoryRepo(session, a.workspace_id)
        probes_a = {
            "memories": lambda: _assert_empty(repo_a.memories()),
            # A's memories and suppliers: none (B's supplier and memory not counted).
            "memories_version": lambda: _assert_equal(repo_a.memories_version()[::2], (0, 0)),
            "memory_of": lambda: _assert_none(repo_a.memory_of(supplier.id)),
            "forget": lambda: _assert_false(repo_a.forget(supplier.id)),
            "move": lambda: repo_a.move(supplier.id, "elsewhere"),
            "save": lambda: _raises_lookup(lambda: repo_a.save(remembered)),
            "shared_model": lambda: _assert_none(repo_a.shared_model()),
            "shared_model_bytes": lambda: _assert_none(repo_a.shared_model_bytes()),
            "share_model": lambda: repo_a.share_model(facts, b"alpha's model"),
            # A's turn (its own lock key): B's model is left as it is, checked below.
            "take_model_fit": lambda: _assert_equal(repo_a.take_model_fit(wait=False), True),
        }
        public = {name for name, _ in inspect.getmembers(MemoryRepo, inspect.isfunction)
                  if not name.startswith("_")}
        assert set(probes_a) == public, "a memory repository method has no isolation probe"
        for probe in probes_a.values():
            probe()
    with sessions.begin() as session:
        kept = MemoryRepo(session, b.workspace_id).memory_of(supplier.id)
        assert kept is not None and kept.hints["currency"].value == "EUR"
        assert MemoryRepo(session, b.workspace_id).shared_model_bytes() == b"beta's model"


def _raises_lookup(call: Callable[[], Any]) -> None:
    with pytest.raises(LookupError):
        call()
