"""Privacy: a workspace's data can be exported whole and erased for good, leaving no row,
original or readable secret of it, and the other workspaces untouched."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webworld import TEST_CONFIG, ScriptedExtractor, World, csrf_of, invoice_file, login

from liasse.app.pipelines import build_pipeline
from liasse.app.privacy import purge_expired_originals
from liasse.cli import app
from liasse.enrich.baseline import ConfidenceEnricher
from liasse.store import privacy_repo
from liasse.store import repo as store_repo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.schema import metadata
from liasse.store.secrets import NONCE_BYTES, SecretStore, parse_master_key, previous_key_file
from liasse.store.secrets_repo import SecretRepo
from liasse.store.tables import Document, utcnow
from liasse.sync.window import run_window
from liasse.web.app import create_app


def two_workspaces(world: World, tmp_path: Path) -> dict[str, str]:
    """default: three invoices (one also in `other`), other: two; a secret in each."""
    world.add_user("owner@example.com", "owner")
    shared = invoice_file(world.inbox, "shared.pdf", 0.95)
    invoice_file(world.inbox, "mine.pdf", 0.70)
    invoice_file(world.inbox, "bad.pdf", 0.30)
    world.run_window()
    other_inbox = tmp_path / "other-inbox"
    other_inbox.mkdir()
    (other_inbox / "shared-copy.pdf").write_bytes(shared.read_bytes())
    invoice_file(other_inbox, "theirs.pdf", 0.95)
    ids = {"default": world.repo_call(lambda r: r.workspace_id),
           "other": world.add_workspace("other")}
    with world.services.sessions.begin() as session:
        ConnectionRepo(session, ids["other"]).add_connection("localfolder", "inbox",
                                                            {"path": str(other_inbox)})
    run_window(replace(build_pipeline(world.services, "other"), extractor=ScriptedExtractor(),
                       enricher=ConfidenceEnricher()))
    with world.services.sessions.begin() as session:
        for slug, workspace_id in ids.items():
            SecretStore(SecretRepo(session, workspace_id), world.services.keyring()).put(
                "qonto.api_key", f"{slug}-key")
    return ids


def rows_of(world: World, workspace_id: str) -> dict[str, int]:
    counts = {}
    with world.services.engine.connect() as connection:
        for table in metadata.sorted_tables:
            if "workspace_id" in table.columns:
                counts[table.name] = len(connection.execute(
                    table.select().where(table.c.workspace_id == workspace_id)).all())
        counts["workspaces"] = len(connection.exec_driver_sql(
            "SELECT id FROM workspaces WHERE id = ?", (workspace_id,)).all())
    return counts


def blob_hashes(world: World, workspace_id: str) -> set[str]:
    with world.services.sessions.begin() as session:
        return {sha for _, sha, _ in privacy_repo.document_files(session, workspace_id)}


def test_export_holds_every_record_and_original(world: World, tmp_path: Path) -> None:
    two_workspaces(world, tmp_path)
    out = tmp_path / "export.zip"
    result = CliRunner().invoke(app, ["workspace", "export", "default", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o077 == 0
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        documents = json.loads(archive.read("records/documents.json"))
        audit = json.loads(archive.read("records/audit_events.json"))
    assert {"records/suppliers.json", "records/matches.json", "records/source_files.json"} <= names
    assert not {"records/secrets.json", "records/data_keys.json"} & names
    assert sorted(d["file_name"] for d in documents) == ["bad.pdf", "mine.pdf", "shared.pdf"]
    assert all(d["extraction"]["fields"] for d in documents)
    assert {event["subject_id"] for event in audit} >= {d["id"] for d in documents}
    assert len([name for name in names if name.startswith("originals/")]) == 3
    assert "theirs.pdf" not in " ".join(names)  # nothing of the other workspace
    again = CliRunner().invoke(app, ["workspace", "export", "default", "--out", str(out)])
    assert again.exit_code == 2  # never overwrites


def test_erase_leaves_nothing_of_the_workspace_and_the_others_intact(
        world: World, tmp_path: Path) -> None:
    ids = two_workspaces(world, tmp_path)
    other_before = rows_of(world, ids["other"])
    mine, theirs = blob_hashes(world, ids["default"]), blob_hashes(world, ids["other"])
    with world.services.sessions.begin() as session:
        wrapped = SecretRepo(session, ids["default"]).data_key()
        assert wrapped is not None
        stolen = (wrapped.wrapped, world.settings.key_file.read_text())
    refused = CliRunner().invoke(app, ["workspace", "erase", "default"], input="wrong\n")
    assert refused.exit_code == 1 and rows_of(world, ids["default"])["documents"] == 3
    result = CliRunner().invoke(app, ["workspace", "erase", "default"], input="default\n")
    assert result.exit_code == 0, result.output

    left = rows_of(world, ids["default"])
    assert {name: count for name, count in left.items()
            if count and name != "privacy_events"} == {}
    assert left["privacy_events"] == 1  # the erasure's own record, kept outside the data
    assert not any(world.services.blobs.exists(sha) for sha in mine - theirs)
    assert all(world.services.blobs.exists(sha) for sha in theirs)  # the shared one stays
    assert rows_of(world, ids["other"]) == other_before
    with world.services.sessions.begin() as session:
        store = SecretStore(SecretRepo(session, ids["other"]), world.services.keyring())
        assert store.get("qonto.api_key") == "other-key"
        assert store_repo.find_workspace_by_slug(session, "default") is None
        events = [e.action for e in privacy_repo.privacy_events(session, "default")]
    assert events == ["erase"]
    # A copy of the database and of the old key file opens nothing: that key is gone.
    assert not previous_key_file(world.settings.key_file).exists()
    current = parse_master_key(world.settings.key_file.read_text())
    assert current != parse_master_key(stolen[1])
    with pytest.raises(InvalidTag):
        AESGCM(current.key).decrypt(stolen[0][:NONCE_BYTES], stolen[0][NONCE_BYTES:],
                                    ids["default"].encode())


def test_the_owner_exports_and_erases_from_the_settings_page(world: World,
                                                             tmp_path: Path) -> None:
    ids = two_workspaces(world, tmp_path)
    world.add_user("viewer@example.com", "viewer")
    viewer = TestClient(create_app(world.services, TEST_CONFIG))
    login(viewer, "viewer@example.com")
    assert viewer.get("/w/default/privacy/export.zip").status_code == 403
    owner = TestClient(create_app(world.services, TEST_CONFIG))
    login(owner, "owner@example.com")
    page = owner.get("/w/default/settings")
    assert 'id="privacy-erase"' in page.text and "kept for ever" in page.text
    download = owner.get("/w/default/privacy/export.zip")
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert "records/documents.json" in archive.namelist()
    csrf = csrf_of(page.text)
    wrong = owner.post("/w/default/privacy/erase", data={"csrf": csrf, "confirm": "defaul"})
    assert wrong.status_code == 400 and rows_of(world, ids["default"])["documents"] == 3
    done = owner.post("/w/default/privacy/erase", data={"csrf": csrf, "confirm": "default"},
                      follow_redirects=False)
    assert done.status_code == 303 and rows_of(world, ids["default"])["documents"] == 0
    assert rows_of(world, ids["other"])["documents"] == 2


def test_retention_deletes_old_originals_and_keeps_the_records(world: World,
                                                               tmp_path: Path) -> None:
    ids = two_workspaces(world, tmp_path)
    with world.services.sessions.begin() as session:
        old = session.query(Document).filter_by(workspace_id=ids["default"],
                                                file_name="mine.pdf").one()
        old.created_at = utcnow() - timedelta(days=11 * 366)
        old_id, old_sha = old.id, old.sha256
    assert purge_expired_originals(world.services, utcnow()) == 0  # off by default
    world.services.settings = world.settings.model_copy(
        update={"privacy": world.settings.privacy.model_copy(update={"retention_years": 10})})
    assert purge_expired_originals(world.services, utcnow()) == 1
    assert not world.services.blobs.exists(old_sha)
    assert purge_expired_originals(world.services, utcnow()) == 0
    with world.services.repo(DocumentRepo) as repo:
        assert repo.get_document(old_id).file_name == "mine.pdf"  # the record stays
        assert "retention" in repo.audit_trail(old_id)[-1].reason
    assert all(world.services.blobs.exists(sha) for sha in blob_hashes(world, ids["other"]))
