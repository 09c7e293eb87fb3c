"""Dropbox client, OAuth keeper and source, through the in-process emulator with faults."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from liasse.connectors.dropbox.client import DropboxClient, RetryPolicy
from liasse.connectors.dropbox.content_hash import content_hash
from liasse.connectors.dropbox.endpoints import DropboxEndpoints
from liasse.connectors.dropbox.errors import (
    ContentHashMismatch,
    DropboxRateLimited,
    DropboxUnavailable,
    NeedsReconnect,
    PathNotFound,
)
from liasse.connectors.dropbox.oauth import (
    DropboxOAuth,
    DropboxTokens,
    InMemoryTokenStore,
    TokenKeeper,
    scopes_for,
)
from liasse.connectors.dropbox.source import DropboxSource, is_candidate
from liasse.domain.ports import ChangePage, DocumentSource, SourceEntry
from liasse.emulators.dropbox import DropboxState, EmulatorConfig
from liasse.emulators.dropbox.inprocess import in_process_client
from liasse.emulators.faults import FaultRule

BASE = "http://dropbox.test"
APP_KEY = "liasse-test"
ENDPOINTS = DropboxEndpoints.single(BASE)


@dataclass
class Sleeper:
    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class Connection:
    state: DropboxState
    http: httpx.Client
    store: InMemoryTokenStore
    keeper: TokenKeeper
    client: DropboxClient
    sleeper: Sleeper
    reconnect_reasons: list[str]


@pytest.fixture
def state() -> DropboxState:
    return DropboxState(EmulatorConfig(longpoll_max_wait=2.0))


def connect(state: DropboxState, http: httpx.Client) -> Connection:
    issued = state.issue_tokens(APP_KEY)
    store = InMemoryTokenStore(DropboxTokens(
        issued["access_token"], issued["refresh_token"], time.time() + 3600))
    reasons: list[str] = []
    keeper = TokenKeeper(DropboxOAuth(http, APP_KEY, endpoints=ENDPOINTS), store,
                         on_needs_reconnect=reasons.append)
    sleeper = Sleeper()
    client = DropboxClient(http, keeper, endpoints=ENDPOINTS, sleep=sleeper,
                           jitter=lambda: 0.5)
    return Connection(state, http, store, keeper, client, sleeper, reasons)


@pytest.fixture
def conn(state: DropboxState) -> Iterator[Connection]:
    with in_process_client(state) as http:
        yield connect(state, http)


def drain(source: DropboxSource, cursor: str | None) -> list[ChangePage]:
    return list(source.changes(cursor))


def paths(pages: list[ChangePage]) -> list[str]:
    return [entry.path for page in pages for entry in page.entries]


# --- source: incremental sync ------------------------------------------------------


def test_source_conforms_to_the_document_source_protocol(conn: Connection) -> None:
    assert isinstance(DropboxSource(conn.client, "/Inbox"), DocumentSource)


def test_incremental_sync_over_pages_resumes_from_the_committed_cursor(
    conn: Connection,
) -> None:
    for index in range(7):
        conn.state.put_file(f"/Inbox/2024/invoice-{index}.pdf", f"pdf {index}".encode())
    source = DropboxSource(conn.client, "/Inbox", page_limit=3)
    committed: list[tuple[tuple[SourceEntry, ...], str]] = []
    for page in source.changes(None):  # the sync layer commits rows + cursor per page...
        committed.append((page.entries, page.cursor))
        if len(committed) == 2:
            break  # ...and crashes after the second page
    resumed = drain(source, committed[-1][1])
    seen = [e.path for entries, _ in committed for e in entries] + paths(resumed)
    assert sorted(seen) == [f"/Inbox/2024/invoice-{i}.pdf" for i in range(7)]
    assert len(committed[0][0]) + len(committed[1][0]) < 7 and resumed[-1].cursor

    quiet = drain(source, resumed[-1].cursor)
    assert [page.entries for page in quiet] == [()] and quiet[0].cursor  # empty page, cursor


def test_entries_carry_id_rev_hash_and_renames_show_as_delete_plus_same_ref(
    conn: Connection,
) -> None:
    created = conn.state.put_file("/Inbox/a.pdf", b"alpha")
    source = DropboxSource(conn.client, "/Inbox")
    first = drain(source, None)
    (entry,) = first[0].entries
    assert (entry.ref, entry.version, entry.content_hash, entry.size) == (
        created["id"], created["rev"], content_hash(b"alpha"), 5)
    conn.client.move("/Inbox/a.pdf", "/Inbox/renamed.pdf")
    changes = [e for page in drain(source, first[-1].cursor) for e in page.entries]
    deleted = [e for e in changes if e.deleted]
    assert [e.path for e in deleted] == ["/Inbox/a.pdf"]
    assert [(e.ref, e.path) for e in changes if not e.deleted] == [
        (created["id"], "/Inbox/renamed.pdf")]


def test_hidden_temporary_and_unsupported_files_are_skipped(conn: Connection) -> None:
    for name in ("ok.PDF", "scan.jpeg", "e.xml", "p.png", ".hidden.pdf", "~$draft.pdf",
                 ".~lock.x.pdf#", "part.pdf.tmp", "notes.txt", ".DS_Store"):
        conn.state.put_file(f"/Inbox/{name}", name.encode())
    conn.state.put_file("/Inbox/.trash/old.pdf", b"old")
    names = sorted(p.rsplit("/", 1)[1] for p in paths(drain(DropboxSource(conn.client, "/Inbox"),
                                                            None)))
    assert names == ["e.xml", "ok.PDF", "p.png", "scan.jpeg"]
    assert not is_candidate("invoice.pdf.crdownload")


def test_reset_cursor_relists_everything_flagged_relisted(conn: Connection) -> None:
    conn.state.put_file("/Inbox/a.pdf", b"a")
    source = DropboxSource(conn.client, "/Inbox")
    cursor = drain(source, None)[-1].cursor
    conn.state.put_file("/Inbox/b.pdf", b"b")
    conn.state.tree.compact_journal()
    pages = drain(source, cursor)
    assert all(page.relisted for page in pages)
    assert sorted(paths(pages)) == ["/Inbox/a.pdf", "/Inbox/b.pdf"]
    conn.state.faults.add(FaultRule("files/list_folder/continue", "reset_cursor"))
    assert all(p.relisted for p in drain(source, pages[-1].cursor))


def test_fetch_streams_and_verifies_the_content_hash(conn: Connection) -> None:
    data = bytes(range(256)) * 50
    conn.state.put_file("/Inbox/big.pdf", data)
    source = DropboxSource(conn.client, "/Inbox")
    (entry,) = drain(source, None)[0].entries
    sink = io.BytesIO()
    source.fetch(entry, sink)
    assert sink.getvalue() == data
    conn.client.delete("/Inbox/big.pdf")
    with pytest.raises(PathNotFound):
        source.fetch(entry, io.BytesIO())


def test_fetch_retries_a_damaged_download_then_gives_up(state: DropboxState) -> None:
    state.put_file("/Inbox/f.pdf", b"genuine bytes")
    damaged = {"left": 1}
    with in_process_client(state) as inner:

        def corrupt(request: httpx.Request) -> httpx.Response:
            response = inner.send(request)
            if request.url.path.endswith("/files/download") and damaged["left"]:
                damaged["left"] -= 1
                return httpx.Response(200, headers=response.headers, content=b"garbled bytes")
            return response

        conn = connect(state, httpx.Client(transport=httpx.MockTransport(corrupt)))
        source = DropboxSource(conn.client, "/Inbox")
        (entry,) = drain(source, None)[0].entries
        sink = io.BytesIO()
        source.fetch(entry, sink)
        assert sink.getvalue() == b"genuine bytes"
        damaged["left"] = 2
        with pytest.raises(ContentHashMismatch):
            source.fetch(entry, io.BytesIO())


def test_wait_for_changes_wakes_on_a_change_and_honours_backoff() -> None:
    state = DropboxState(EmulatorConfig(longpoll_max_wait=3.0, longpoll_backoff=5))
    with in_process_client(state) as http:
        conn = connect(state, http)
        now = [100.0]
        sleeper = Sleeper()
        source = DropboxSource(conn.client, "/Inbox", clock=lambda: now[0], sleep=sleeper)
        conn.state.create_folder("/Inbox")
        cursor = source.latest_cursor()
        timer = threading.Timer(0.2, lambda: state.put_file("/Inbox/new.pdf", b"n"))
        timer.start()
        started = time.monotonic()
        assert source.wait_for_changes(cursor) is True
        assert time.monotonic() - started < 2.5
        assert sleeper.waits == []
        now[0] += 1
        source.wait_for_changes(cursor)
        assert sleeper.waits == [4.0]  # backoff 5 s, one already elapsed


# --- client: retries, errors, tokens ------------------------------------------------


def test_rate_limit_waits_retry_after_then_succeeds(conn: Connection) -> None:
    conn.state.faults.add(FaultRule("files/list_folder", "rate_limit", times=2, retry_after=7))
    conn.client.list_folder("")
    assert conn.sleeper.waits == [7, 7]


def test_server_errors_back_off_exponentially_and_are_bounded(conn: Connection) -> None:
    conn.state.faults.add(FaultRule("files/list_folder", "server_error", times=2))
    conn.client.list_folder("")
    assert conn.sleeper.waits == [0.375, 0.75]  # base 0.5 doubling, jitter 0.5 -> x0.75
    conn.state.faults.add(FaultRule("files/list_folder", "server_error", times=None))
    with pytest.raises(DropboxUnavailable):
        conn.client.list_folder("")
    assert len(conn.sleeper.waits) == 2 + conn.client.retry.attempts - 1
    conn.state.faults.clear()
    conn.state.faults.add(FaultRule("files/list_folder", "rate_limit", times=None))
    with pytest.raises(DropboxRateLimited):
        conn.client.list_folder("")


def test_network_errors_are_retried() -> None:
    calls = {"n": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"entries": [], "cursor": "c", "has_more": False})

    store = InMemoryTokenStore(DropboxTokens("t", None, None))
    http = httpx.Client(transport=httpx.MockTransport(flaky))
    sleeper = Sleeper()
    client = DropboxClient(http, TokenKeeper(DropboxOAuth(http, APP_KEY), store),
                           sleep=sleeper, retry=RetryPolicy(attempts=3), jitter=lambda: 0.0)
    assert client.list_folder("").cursor == "c"
    assert sleeper.waits == [0.25]


def test_not_found_is_decoded_into_a_clear_message(conn: Connection) -> None:
    with pytest.raises(PathNotFound) as caught:
        conn.client.get_metadata("/missing.pdf")
    assert caught.value.tags == ("path", "not_found")
    assert "moved or deleted" in str(caught.value)


def test_expired_token_is_refreshed_once_and_saved(conn: Connection) -> None:
    old = conn.store.load()
    assert old is not None
    conn.state.tokens.expire(old.access_token)
    conn.client.list_folder("")
    new = conn.store.load()
    assert new is not None and new.access_token != old.access_token
    assert new.refresh_token == old.refresh_token and conn.keeper.refresh_count == 1


def test_refresh_that_does_not_help_needs_reconnect_and_stops_calls(conn: Connection) -> None:
    conn.state.faults.add(FaultRule("files/list_folder", "expire_token", times=None))
    with pytest.raises(NeedsReconnect):
        conn.client.list_folder("")
    assert conn.keeper.refresh_count == 1 and len(conn.reconnect_reasons) == 1
    conn.state.faults.clear()
    with pytest.raises(NeedsReconnect):
        conn.client.list_folder("")  # refused locally: no more calls to Dropbox
    assert len(conn.reconnect_reasons) == 1


def test_revoked_refresh_token_needs_reconnect(conn: Connection) -> None:
    tokens = conn.store.load()
    assert tokens is not None
    conn.state.tokens.revoke(tokens.access_token)
    with pytest.raises(NeedsReconnect):
        conn.client.list_folder("")
    assert "refresh" in conn.reconnect_reasons[0]


def test_concurrent_workers_refresh_only_once(conn: Connection) -> None:
    tokens = conn.store.load()
    assert tokens is not None
    conn.store.save(DropboxTokens(tokens.access_token, tokens.refresh_token, time.time() + 10))
    oauth = DropboxOAuth(conn.http, APP_KEY, endpoints=ENDPOINTS)

    class SlowRefresher:
        calls = 0

        def refresh(self, current: DropboxTokens) -> DropboxTokens:
            SlowRefresher.calls += 1
            time.sleep(0.1)  # wide window for a second worker to try refreshing too
            return oauth.refresh(current)

        def revoke(self, access_token: str) -> None:
            oauth.revoke(access_token)

    keeper = TokenKeeper(SlowRefresher(), conn.store)
    results: list[str] = []
    workers = [threading.Thread(target=lambda: results.append(keeper.access_token()))
               for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert SlowRefresher.calls == 1 and len(set(results)) == 1


def test_pkce_connect_asks_write_scope_only_for_write_back(state: DropboxState) -> None:
    state = DropboxState(EmulatorConfig(auto_approve=True))
    with in_process_client(state) as http:
        oauth = DropboxOAuth(http, APP_KEY, endpoints=ENDPOINTS)
        request = oauth.start(write_back=False)
        assert "files.content.write" not in request.url and "code_challenge_method=S256" in \
            request.url
        page = http.get(request.url)
        code = re.search(r'id="authorization-code">([^<]+)<', page.text)
        assert code is not None
        tokens = oauth.exchange(code.group(1), request)
        assert tokens.refresh_token and set(tokens.scopes) == set(scopes_for(write_back=False))
        store = InMemoryTokenStore(tokens)
        keeper = TokenKeeper(oauth, store)
        client = DropboxClient(http, keeper, endpoints=ENDPOINTS, sleep=Sleeper())
        client.list_folder("")
        keeper.disconnect()
        assert store.load() is None
        with pytest.raises(NeedsReconnect):
            client.list_folder("")
        assert tokens.access_token not in state.tokens.access
        assert "files.content.write" in oauth.start(write_back=True).url
