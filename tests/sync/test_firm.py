"""Firm folders: a client's folders feed the client's workspace only, keep working after a
rename, and stop when the client is disabled. Dropbox emulator on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from liasse.app import connections
from liasse.app.firm import FirmError, client_slug, disable_client, enable_client
from liasse.app.pipelines import build_pipeline
from liasse.app.services import Services, open_services
from liasse.app.settings import load_settings
from liasse.app.setup import initialise
from liasse.app.wiring import dropbox as dropbox_wiring
from liasse.connectors.dropbox.firm import FRENCH_LABELS
from liasse.emulators.dropbox.serve import running_emulator
from liasse.emulators.dropbox.state import DropboxState
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.source_files_repo import SourceFileRepo
from liasse.sync.window import run_window

TOKEN = "firm-token"


@dataclass
class World:
    services: Services
    state: DropboxState

    def window(self, slug: str) -> dict[str, int]:
        return run_window(build_pipeline(self.services, slug)).as_dict()

    def files(self, slug: str) -> list[str]:
        with self.services.repo(SourceFileRepo, slug) as repo:
            return sorted(row.path for row in repo.list_source_files())


@pytest.fixture
def world(clean_environment: Path) -> Iterator[World]:
    state = DropboxState(token=TOKEN)
    state.create_folder("/Clients")
    with running_emulator(state) as base_url:
        settings = load_settings(qonto={"mode": "off"}, dropbox={"base_url": base_url})
        initialise(settings)
        services = open_services(settings)
        connections.connect_dropbox_with_token(
            services, connections.DropboxTarget("firm-dropbox", "/Clients"), TOKEN)
        yield World(services, state)
        services.close()


def test_client_slugs_are_plain() -> None:
    assert client_slug("Boulangerie Dupré & Fils") == "boulangerie-dupre-fils"
    assert client_slug("!!!") == "client"


def test_enabling_creates_the_folders_and_connections_in_the_client_workspace(
        world: World) -> None:
    slug = enable_client(world.services, "firm-dropbox", "Boulangerie Dupré")
    assert slug == "boulangerie-dupre"
    for label in ("Invoices", "Receipts", "Sales documents"):
        assert f"/clients/boulangerie dupré/{label.lower()}" in world.state.tree.nodes
    with world.services.repo(ConnectionRepo, slug) as repo:
        kinds = sorted(c.config["document_kind"] for c in repo.list_connections()
                       if c.kind == "dropbox")
        workspace_id = repo.workspace_id
        connection = repo.connection_by_name("firm-dropbox: invoice")
        assert connection is not None and connection.config["folder_id"].startswith("id:")
    assert kinds == ["invoice", "receipt", "sales"]
    secret = dropbox_wiring.secret(world.services, workspace_id, connection.id)
    assert secret.load_json() == {"static_token": TOKEN}  # the client's own encrypted copy
    assert enable_client(world.services, "firm-dropbox", "Boulangerie Dupré") == slug
    with world.services.repo(ConnectionRepo, slug) as repo:
        assert len(repo.list_connections()) == 3  # enabling again adopts, never duplicates


def test_french_labels(world: World) -> None:
    enable_client(world.services, "firm-dropbox", "Garage", labels=FRENCH_LABELS)
    assert "/clients/garage/factures" in world.state.tree.nodes


def test_a_clients_documents_reach_only_its_workspace_even_after_a_rename(
        world: World) -> None:
    dupre = enable_client(world.services, "firm-dropbox", "Dupré")
    garage = enable_client(world.services, "firm-dropbox", "Garage")
    world.state.put_file("/Clients/Dupré/Invoices/f1.pdf", b"%PDF-1.4 one")
    world.state.put_file("/Clients/Garage/Receipts/r1.pdf", b"%PDF-1.4 receipt")
    assert world.window(dupre)["discovered"] == 1
    assert world.window(garage)["discovered"] == 1
    assert world.window("default")["discovered"] == 0
    assert world.files(dupre) == ["/Clients/Dupré/Invoices/f1.pdf"]
    assert world.files(garage) == ["/Clients/Garage/Receipts/r1.pdf"]
    assert world.files("default") == []

    world.state.tree.move("/Clients/Dupré", "/Clients/Dupré et Fils")
    world.state.tree.move("/Clients/Dupré et Fils/Invoices", "/Clients/Dupré et Fils/Achats")
    world.state.put_file("/Clients/Dupré et Fils/Achats/f2.pdf", b"%PDF-1.4 two")
    counts = world.window(dupre)
    assert (counts["discovered"], counts["duplicates"]) == (1, 1)  # f1 recognised, not redone
    assert world.files(dupre) == ["/Clients/Dupré et Fils/Achats/f1.pdf",
                                  "/Clients/Dupré et Fils/Achats/f2.pdf"]
    with world.services.repo(DocumentRepo, dupre) as repo:
        assert sum(repo.count_documents_by_state().values()) == 2

    assert disable_client(world.services, dupre) == 3
    world.state.put_file("/Clients/Dupré et Fils/Achats/f3.pdf", b"%PDF-1.4 three")
    assert build_pipeline(world.services, dupre).sources == {}
    assert world.window(dupre)["discovered"] == 0
    with world.services.repo(DocumentRepo, dupre) as repo:
        assert sum(repo.count_documents_by_state().values()) == 2  # data kept


def test_the_firm_connection_must_exist_and_be_dropbox(world: World) -> None:
    with pytest.raises(FirmError):
        enable_client(world.services, "nope", "Dupré")
    with pytest.raises(FirmError):
        enable_client(world.services, "inbox", "Dupré")
