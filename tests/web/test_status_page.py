from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from liasse.services import Services, initialise, open_services
from liasse.settings import Settings
from liasse.web.app import create_app


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    initialise(settings)
    services = open_services(settings)
    yield services
    services.close()


def add_document(services: Services, supplier: str) -> str:
    with services.workspace_repo() as repo:
        document = repo.create_document(sha256="a" * 64, size=3, file_name="evil.pdf",
                                        media_type="application/pdf", actor="test")
        document.supplier_name = supplier
        document.state_reason = supplier
        return document.id


def test_status_page_lists_documents_with_untrusted_text_escaped(services: Services) -> None:
    document_id = add_document(services, "<script>alert('x')</script>")
    client = TestClient(create_app(services))
    page = client.get("/")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert" in page.text
    assert f"/documents/{document_id}" in page.text
    detail = client.get(f"/documents/{document_id}")
    assert detail.status_code == 200
    assert "<td>test</td>" in detail.text  # the actor of the audit event
    assert "discovered → fetched" in detail.text


def test_french_when_the_browser_asks(services: Services) -> None:
    client = TestClient(create_app(services))
    page = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "Documents par état" in page.text


def test_unknown_document_is_404(services: Services) -> None:
    client = TestClient(create_app(services))
    assert client.get("/documents/nope").status_code == 404
    assert client.get("/api/status").json()["workspace"] == "default"
