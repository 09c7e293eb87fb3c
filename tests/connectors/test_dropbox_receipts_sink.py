"""The receipts export's Dropbox sink, against the emulator: folders by id, add-only writes,
errors in the export's vocabulary."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from liasse.connectors.dropbox.client import DropboxClient, RetryPolicy
from liasse.connectors.dropbox.content_hash import content_hash
from liasse.connectors.dropbox.endpoints import DropboxEndpoints
from liasse.connectors.dropbox.oauth import StaticToken
from liasse.connectors.dropbox.receipts_sink import DropboxReceiptSink
from liasse.domain.errors import NeedsReconnect, RejectedData, TransientFailure
from liasse.emulators.dropbox import DropboxState
from liasse.emulators.dropbox.inprocess import in_process_client
from liasse.emulators.faults import FaultRule
from liasse.sync.receipts import ReceiptSink

TOKEN = "receipts-token"


@pytest.fixture
def state() -> DropboxState:
    return DropboxState(token=TOKEN)


@pytest.fixture
def sink(state: DropboxState) -> Iterator[DropboxReceiptSink]:
    with in_process_client(state) as http:
        client = DropboxClient(http, StaticToken(TOKEN),
                               endpoints=DropboxEndpoints.single("http://dropbox.test"),
                               retry=RetryPolicy(attempts=2), sleep=lambda _: None)
        yield DropboxReceiptSink(client)


def test_it_is_a_receipt_sink(sink: DropboxReceiptSink) -> None:
    assert isinstance(sink, ReceiptSink)


def test_folders_are_created_with_parents_and_followed_by_id(
        sink: DropboxReceiptSink, state: DropboxState) -> None:
    assert sink.folder_id("/Qonto/Main") is None
    folder_id = sink.create_folder("/Qonto/Main/2024-03")
    assert folder_id.startswith("id:")
    assert sink.folder_id("/qonto/main/2024-03") == folder_id  # case-insensitive
    assert sink.create_folder("/Qonto/Main/2024-03") == folder_id  # adopted, not duplicated
    state.tree.move("/Qonto/Main", "/Qonto/Current account")
    assert sink.path_of_folder(folder_id) == "/Qonto/Current account/2024-03"
    state.tree.delete("/Qonto/Current account")
    assert sink.path_of_folder(folder_id) is None


def test_a_file_is_not_a_folder(sink: DropboxReceiptSink, state: DropboxState) -> None:
    state.put_file("/Qonto/receipt.pdf", b"%PDF-1.4 r")
    assert sink.folder_id("/Qonto/receipt.pdf") is None
    with pytest.raises(RejectedData):
        sink.create_folder("/Qonto/receipt.pdf")


def test_write_adds_the_file_and_file_at_reads_it_back(sink: DropboxReceiptSink) -> None:
    sink.create_folder("/Qonto")
    written = sink.write("/Qonto/2024-03-05_Acme_12.00.pdf", b"%PDF-1.4 receipt")
    assert written.content_hash == content_hash(b"%PDF-1.4 receipt")
    assert sink.file_at("/qonto/2024-03-05_acme_12.00.pdf") == written
    assert sink.file_at("/Qonto/missing.pdf") is None
    assert sink.file_at("/Qonto") is None  # a folder is not a file


def test_write_never_overwrites_a_different_file(sink: DropboxReceiptSink,
                                                 state: DropboxState) -> None:
    state.put_file("/Qonto/r.pdf", b"the user's own file")
    with pytest.raises(RejectedData):
        sink.write("/Qonto/r.pdf", b"%PDF-1.4 receipt")
    assert state.tree.download("/Qonto/r.pdf")[1] == b"the user's own file"


def test_server_errors_become_transient_failures(sink: DropboxReceiptSink,
                                                 state: DropboxState) -> None:
    state.faults.add(FaultRule(route="files/upload", kind="server_error", times=None))
    with pytest.raises(TransientFailure):
        sink.write("/r.pdf", b"%PDF-1.4 receipt")


def test_a_revoked_token_asks_for_a_reconnect(sink: DropboxReceiptSink,
                                              state: DropboxState) -> None:
    state.tokens.revoke(TOKEN)
    with pytest.raises(NeedsReconnect):
        sink.folder_id("/Qonto")
