"""Contract tests: the official Dropbox SDK (12.2.x) against our emulator on loopback.

If the SDK parses every answer the way it parses Dropbox's, the emulator is faithful. The
SDK's `https://{api,content,notify}.dropboxapi.com` calls are rewritten to the loopback
server by a `requests` transport adapter; nothing else about the SDK is changed.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import dropbox
import pytest
import requests
from dropbox import files as dbx_files
from dropbox.content_hash import content_hash as sdk_content_hash
from dropbox.exceptions import ApiError, AuthError, RateLimitError

from liasse.emulators.dropbox import DropboxState, EmulatorConfig
from liasse.emulators.dropbox.serve import running_emulator
from liasse.emulators.faults import FaultRule

APP_KEY = "contract-app"


class LoopbackAdapter(requests.adapters.HTTPAdapter):
    """Sends every https:// request to the emulator, keeping path and query."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self._base = urlsplit(base_url)

    def send(self, request: requests.PreparedRequest, *args: object, **kwargs: object
             ) -> requests.Response:
        parts = urlsplit(str(request.url))
        request.url = urlunsplit((self._base.scheme, self._base.netloc, parts.path,
                                  parts.query, parts.fragment))
        return super().send(request, *args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def state() -> DropboxState:
    config = EmulatorConfig(auto_approve=True, longpoll_max_wait=1.0, access_token_lifetime=3600)
    return DropboxState(config)


@pytest.fixture(scope="module")
def base_url(state: DropboxState) -> Iterator[str]:
    with running_emulator(state) as url:
        yield url


@pytest.fixture
def session(base_url: str) -> requests.Session:
    session = requests.Session()
    session.mount("https://", LoopbackAdapter(base_url))
    return session


@pytest.fixture
def dbx(state: DropboxState, session: requests.Session) -> dropbox.Dropbox:
    tokens = state.issue_tokens(APP_KEY)
    return dropbox.Dropbox(oauth2_access_token=tokens["access_token"], session=session,
                           max_retries_on_error=0, max_retries_on_rate_limit=0)


@pytest.fixture(autouse=True)
def no_faults_left(state: DropboxState) -> Iterator[None]:
    yield
    state.faults.clear()


def unique_folder(dbx: dropbox.Dropbox, name: str) -> str:
    path = f"/{name}-{time.monotonic_ns()}"
    dbx.files_create_folder_v2(path)
    return path


def test_list_and_continue_follow_pages_then_report_changes(dbx: dropbox.Dropbox) -> None:
    root = unique_folder(dbx, "Listing")
    for index in range(5):
        dbx.files_upload(f"pdf {index}".encode(), f"{root}/invoice-{index}.pdf")
    first = dbx.files_list_folder(root, limit=2)
    names = [entry.name for entry in first.entries]
    result = first
    while result.has_more:
        result = dbx.files_list_folder_continue(result.cursor)
        names += [entry.name for entry in result.entries]
    assert sorted(names) == [f"invoice-{i}.pdf" for i in range(5)]
    assert first.has_more and isinstance(first.entries[0], dbx_files.FileMetadata)

    dbx.files_upload(b"late", f"{root}/late.pdf")
    dbx.files_delete_v2(f"{root}/invoice-0.pdf")
    changes = dbx.files_list_folder_continue(result.cursor)
    by_name = {entry.name: entry for entry in changes.entries}
    assert isinstance(by_name["late.pdf"], dbx_files.FileMetadata)
    assert isinstance(by_name["invoice-0.pdf"], dbx_files.DeletedMetadata)
    empty = dbx.files_list_folder_continue(changes.cursor)
    assert empty.entries == [] and not empty.has_more and empty.cursor


def test_longpoll_wakes_on_change_and_times_out_without_one(
    dbx: dropbox.Dropbox, state: DropboxState
) -> None:
    root = unique_folder(dbx, "Poll")
    cursor = dbx.files_list_folder_get_latest_cursor(root).cursor
    started = time.monotonic()
    assert dbx.files_list_folder_longpoll(cursor, timeout=30).changes is False
    assert time.monotonic() - started < 5  # capped by longpoll_max_wait in tests

    outcome: list[bool] = []
    waiter = threading.Thread(
        target=lambda: outcome.append(dbx.files_list_folder_longpoll(cursor, timeout=30).changes)
    )
    waiter.start()
    time.sleep(0.2)
    state.put_file(f"{root}/new.pdf", b"%PDF-1.4 new")
    waiter.join(5)
    assert outcome == [True]


def test_download_returns_bytes_and_metadata_with_sdk_content_hash(
    dbx: dropbox.Dropbox, state: DropboxState
) -> None:
    data = b"%PDF-1.7 " + bytes(range(256)) * 100 + "é".encode()
    state.put_file("/Downloads/Facture été.pdf", data)
    metadata, response = dbx.files_download("/downloads/FACTURE ÉTÉ.pdf")
    assert response.content == data
    assert metadata.path_display == "/Downloads/Facture été.pdf"
    assert metadata.content_hash == sdk_content_hash(data)
    assert metadata.size == len(data)


def test_upload_sends_sdk_content_hash_and_wrong_hash_is_refused(dbx: dropbox.Dropbox) -> None:
    root = unique_folder(dbx, "Upload")
    uploaded = dbx.files_upload(b"hello", f"{root}/a.pdf")
    assert uploaded.content_hash == sdk_content_hash(b"hello")
    with pytest.raises(ApiError) as caught:
        dbx.files_upload(b"hello", f"{root}/b.pdf", content_hash="0" * 64)
    assert caught.value.error.is_content_hash_mismatch()


def test_upload_conflict_and_autorename(dbx: dropbox.Dropbox) -> None:
    root = unique_folder(dbx, "Conflict")
    dbx.files_upload(b"one", f"{root}/same.pdf")
    with pytest.raises(ApiError) as caught:
        dbx.files_upload(b"two", f"{root}/same.pdf", mode=dbx_files.WriteMode.add)
    reason = caught.value.error.get_path().reason
    assert reason.is_conflict() and reason.get_conflict().is_file()
    renamed = dbx.files_upload(b"two", f"{root}/same.pdf", autorename=True)
    assert renamed.name == "same (1).pdf"
    first = dbx.files_get_metadata(f"{root}/same.pdf")
    updated = dbx.files_upload(b"three", f"{root}/same.pdf",
                               mode=dbx_files.WriteMode.update(first.rev))
    assert updated.id == first.id and updated.rev != first.rev


def test_create_folder_get_metadata_move_keeps_id_delete(dbx: dropbox.Dropbox) -> None:
    root = unique_folder(dbx, "Move")
    folder = dbx.files_create_folder_v2(f"{root}/Clients/Acme").metadata
    assert isinstance(folder, dbx_files.FolderMetadata)
    dbx.files_upload(b"x", f"{root}/Clients/Acme/f.pdf")
    moved = dbx.files_move_v2(f"{root}/Clients/Acme", f"{root}/Clients/ACME SAS").metadata
    assert moved.id == folder.id
    by_id = dbx.files_get_metadata(folder.id)
    assert by_id.path_display == f"{root}/Clients/ACME SAS"
    inner = dbx.files_get_metadata(f"{root}/clients/acme sas/F.PDF")
    assert isinstance(inner, dbx_files.FileMetadata)
    with pytest.raises(ApiError) as conflict:
        dbx.files_create_folder_v2(f"{root}/Clients/acme sas")
    assert conflict.value.error.get_path().is_conflict()
    dbx.files_delete_v2(f"{root}/Clients/ACME SAS")
    gone = dbx.files_get_metadata(f"{root}/Clients/ACME SAS", include_deleted=True)
    assert isinstance(gone, dbx_files.DeletedMetadata)


def test_not_found_is_an_api_error_the_sdk_decodes(dbx: dropbox.Dropbox) -> None:
    with pytest.raises(ApiError) as caught:
        dbx.files_get_metadata("/nowhere/nothing.pdf")
    assert caught.value.error.is_path() and caught.value.error.get_path().is_not_found()
    with pytest.raises(ApiError) as download:
        dbx.files_download("/nowhere/nothing.pdf")
    assert download.value.error.get_path().is_not_found()


def test_too_old_cursor_answers_reset(dbx: dropbox.Dropbox, state: DropboxState) -> None:
    cursor = dbx.files_list_folder_get_latest_cursor("").cursor
    state.tree.compact_journal()
    with pytest.raises(ApiError) as caught:
        dbx.files_list_folder_continue(cursor)
    assert caught.value.error.is_reset()
    state.faults.add(FaultRule("files/list_folder/continue", "reset_cursor"))
    fresh = dbx.files_list_folder_get_latest_cursor("").cursor
    with pytest.raises(ApiError) as forced:
        dbx.files_list_folder_continue(fresh)
    assert forced.value.error.is_reset()


def test_expired_token_is_an_auth_error(dbx: dropbox.Dropbox, state: DropboxState) -> None:
    state.tokens.expire(dbx._oauth2_access_token)
    with pytest.raises(AuthError) as caught:
        dbx.files_list_folder("")
    assert caught.value.error.is_expired_access_token()


def test_sdk_refreshes_an_expired_token_by_itself(
    state: DropboxState, session: requests.Session
) -> None:
    tokens = state.issue_tokens(APP_KEY)
    state.tokens.expire(tokens["access_token"])
    dbx = dropbox.Dropbox(
        oauth2_access_token=tokens["access_token"],
        oauth2_refresh_token=tokens["refresh_token"],
        oauth2_access_token_expiration=datetime.utcnow() + timedelta(hours=1),
        app_key=APP_KEY,
        session=session,
    )
    dbx.files_list_folder("")
    assert dbx._oauth2_access_token != tokens["access_token"]


def test_missing_scope_is_reported(state: DropboxState, session: requests.Session) -> None:
    tokens = state.issue_tokens(APP_KEY, frozenset({"files.metadata.read"}))
    dbx = dropbox.Dropbox(oauth2_access_token=tokens["access_token"], session=session)
    dbx.files_list_folder("")
    with pytest.raises(AuthError) as caught:
        dbx.files_upload(b"x", "/scoped.pdf")
    assert caught.value.error.is_missing_scope()
    assert caught.value.error.get_missing_scope().required_scope == "files.content.write"


def test_rate_limit_is_parsed_with_retry_after(dbx: dropbox.Dropbox, state: DropboxState) -> None:
    state.faults.add(FaultRule("files/list_folder", "rate_limit", retry_after=7))
    with pytest.raises(RateLimitError) as caught:
        dbx.files_list_folder("")
    assert caught.value.backoff == 7
    assert caught.value.error.reason.is_too_many_requests()


def test_pkce_flow_without_redirect(state: DropboxState, session: requests.Session) -> None:
    flow = dropbox.DropboxOAuth2FlowNoRedirect(
        APP_KEY, use_pkce=True, token_access_type="offline",
        scope=["files.metadata.read", "files.content.read"],
    )
    flow.requests_session = session
    page = session.get(flow.start())
    code = re.search(r'id="authorization-code">([^<]+)<', page.text)
    assert code is not None
    result = flow.finish(code.group(1))
    assert result.refresh_token and result.scope == "files.content.read files.metadata.read"
    dbx = dropbox.Dropbox(oauth2_refresh_token=result.refresh_token, app_key=APP_KEY,
                          session=session)
    dbx.files_list_folder("")

    other = dropbox.DropboxOAuth2FlowNoRedirect(APP_KEY, use_pkce=True,
                                                token_access_type="offline")
    other.requests_session = session
    stolen = re.search(r'id="authorization-code">([^<]+)<', session.get(flow.start()).text)
    assert stolen is not None
    with pytest.raises(requests.HTTPError):
        other.finish(stolen.group(1))  # a code is useless without its own verifier
