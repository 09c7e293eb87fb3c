"""`liasse db copy`: a demo installation on SQLite moved to PostgreSQL, row for row, and
the web app serving the copy (log in, documents, a record, its file, a decrypted secret)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webworld import FAST_HASHER, PASSWORD, TEST_CONFIG, login

from liasse.app.accounts import add_user
from liasse.app.actions import approve, user_actor
from liasse.app.runner import sync_once
from liasse.app.services import open_services, opened_services
from liasse.app.settings import load_settings
from liasse.app.setup import initialise
from liasse.cli import app
from liasse.store.copy import count_rows
from liasse.store.documents_repo import DocumentRepo
from liasse.store.secrets import SecretStore
from liasse.store.secrets_repo import SecretRepo
from liasse.web.app import create_app

OWNER = "owner@example.com"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_demo_installation_copied_to_postgresql_serves_the_web_app(
        database_url: str, clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIASSE_INBOX__SETTLE_SECONDS", "0")
    settings = load_settings()
    initialise(settings, demo=True)
    posted = sync_once(settings)["default"]["posted"]
    with opened_services() as services, services.repo(DocumentRepo) as repo:
        for document in repo.list_documents():  # a person approves the review queue
            if document.state == "in_review":
                approve(repo, document.id, actor=user_actor(OWNER))
    assert posted + sync_once(settings)["default"]["posted"] >= 2
    services = open_services(settings)
    add_user(services, OWNER, PASSWORD, role="owner", hasher=FAST_HASHER)
    with services.repo(SecretRepo) as repo:
        SecretStore(repo, services.keyring()).put("copy-check", "still readable")
    before = count_rows(services.engine)
    services.close()

    copied = CliRunner().invoke(app, ["db", "copy", "--to", database_url])
    assert copied.exit_code == 0, copied.output
    again = CliRunner().invoke(app, ["db", "copy", "--to", database_url])
    assert again.exit_code != 0 and "already has rows" in again.output

    monkeypatch.setenv("LIASSE_DATABASE_URL", database_url)
    copy = open_services(load_settings())
    try:
        assert count_rows(copy.engine) == before
        assert before["documents"] >= 2 and before["audit_events"] > before["documents"]
        with copy.repo(SecretRepo) as repo:
            assert SecretStore(repo, copy.keyring()).get("copy-check") == "still readable"
            documents = DocumentRepo(repo.session, repo.workspace_id)
            posted = [d for d in documents.list_documents() if d.qonto_invoice_id]
            documents.add_audit("document", posted[0].id, actor="test", reason="ids go on")
        client = TestClient(create_app(copy, TEST_CONFIG))
        assert login(client, OWNER).status_code in (200, 303)
        listing = client.get("/w/default/documents")
        assert listing.status_code == 200 and posted[0].file_name in listing.text
        assert client.get(f"/w/default/documents/{posted[0].id}").status_code == 200
        file = client.get(f"/w/default/documents/{posted[0].id}/file")
        assert file.status_code == 200 and file.content.startswith(b"%PDF")
    finally:
        copy.close()


def test_the_copy_goes_to_postgresql_only(clean_environment: Path) -> None:
    initialise(load_settings())
    result = CliRunner().invoke(app, ["db", "copy", "--to", "sqlite:///elsewhere.db"])
    assert result.exit_code != 0 and "postgresql://" in result.output
