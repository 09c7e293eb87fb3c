"""The status page: connections, backlog, every failure with a retry; untrusted text escaped."""

from __future__ import annotations

from fastapi.testclient import TestClient
from webworld import World, csrf_of, invoice_file

from liasse.store.connections_repo import ConnectionRepo


def test_untrusted_supplier_name_renders_as_text_everywhere(world: World, owner: TestClient
                                                            ) -> None:
    invoice_file(world.inbox, "evil.pdf", 0.7, supplier_name="<script>alert('x')</script>",
                 total_amount="10.00")
    world.run_window()
    document_id = world.document_id("evil.pdf")
    for path in (f"/w/default/documents/{document_id}", f"/w/default/review/{document_id}",
                 "/w/default/documents", "/w/default/suppliers",
                 "/w/default/ask?q=how+much+did+we+spend+with+script+this+year"):
        page = owner.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text, path
    assert "&lt;script&gt;alert" in owner.get(f"/w/default/documents/{document_id}").text


def test_status_lists_connections_and_says_when_nothing_failed(owner: TestClient) -> None:
    page = owner.get("/w/default/status")
    assert page.status_code == 200
    assert "inbox (localfolder)" in page.text
    assert 'id="no-failures"' in page.text


def test_a_parked_post_is_listed_with_its_error_and_retried_after_the_fix(
        world: World, owner: TestClient) -> None:
    world.bank.reject = {"iban.pdf"}
    invoice_file(world.inbox, "iban.pdf", 0.96)
    world.run_window()
    assert world.state_of("iban.pdf") == "parked"
    page = owner.get("/w/default/status")
    assert "supplier IBAN is invalid" in page.text
    document_id = world.document_id("iban.pdf")
    assert f'data-document="{document_id}"' in page.text

    world.bank.reject = set()  # the fix, outside liasse
    retry = owner.post(f"/w/default/documents/{document_id}/retry",
                       data={"csrf": csrf_of(page.text), "back": "/w/default/status"})
    assert retry.status_code == 200 and "msg=retried" in str(retry.url)
    assert world.state_of("iban.pdf") == "approved"
    page = owner.get("/w/default/status")
    owner.post("/w/default/post-now", data={"csrf": csrf_of(page.text)})
    assert world.state_of("iban.pdf") == "posted"
    assert world.bank.posted_files.count("iban.pdf") == 1
    trail = owner.get(f"/w/default/documents/{document_id}").text
    assert "user:owner@example.com" in trail and "retry requested after" in trail


def test_french_when_the_browser_asks(owner: TestClient) -> None:
    page = owner.get("/w/default/status", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "Connexions" in page.text and "Échecs en attente" in page.text


def test_unknown_document_is_404_and_status_json_is_scoped(owner: TestClient) -> None:
    assert owner.get("/w/default/documents/nope").status_code == 404
    assert owner.get("/w/default/api/status").json()["workspace"] == "default"


def test_a_running_backfill_shows_its_progress(world: World, owner: TestClient) -> None:
    with world.services.repo(ConnectionRepo) as repo:
        repo.add_connection("dropbox", "dropbox", {
            "folder": "/Invoices", "backfill_from": "2026-01-01",
            "backfill": {"since": "2026-01-01", "status": "listing", "listed": 1200,
                         "kept": 800, "recorded": 640}})
    page = owner.get("/w/default/status").text
    assert "Backfill of dropbox since 2026-01-01" in page
    assert "640 recorded so far" in page


def _connections_table(page: str) -> str:
    return page.split('id="connections"', 1)[1].split("</table>", 1)[0]


def test_health_comes_from_the_last_attempt_and_a_failed_connection_retries_now(
        world: World, owner: TestClient) -> None:
    from datetime import UTC, datetime, timedelta

    with world.services.repo(ConnectionRepo) as repo:
        inbox = repo.connection_by_name("inbox")
        assert inbox is not None
        inbox.last_error = "network error: connection reset"
        inbox.next_sync_at = datetime.now(UTC) + timedelta(minutes=15)
    table = _connections_table(owner.get("/w/default/status").text)
    assert "failing (last attempt)" in table and "working" not in table
    assert 'class="retry-now"' in table
    page = owner.get("/w/default/status").text
    done = owner.post("/w/default/connections/inbox/retry-now", data={"csrf": csrf_of(page)})
    assert "A sync of this connection starts now." in done.text
    with world.services.repo(ConnectionRepo) as repo:
        planned = repo.connection_by_name("inbox").next_sync_at  # type: ignore[union-attr]
    assert planned is not None and planned.replace(tzinfo=UTC) <= datetime.now(UTC)


def test_a_disconnected_connection_has_no_next_sync(world: World, owner: TestClient) -> None:
    from datetime import UTC, datetime

    from liasse.app import connections

    with world.services.repo(ConnectionRepo) as repo:
        repo.connection_by_name("inbox").next_sync_at = datetime.now(UTC)  # type: ignore[union-attr]
    assert connections.disconnect(world.services, "inbox")
    row = _connections_table(owner.get("/w/default/status").text).split("inbox (localfolder)")[1]
    assert "disconnected" in row.split("</tr>")[0]
    assert '<td class="next-sync">—</td>' in row.split("</tr>")[0]
    with world.services.repo(ConnectionRepo) as repo:
        assert repo.connection_by_name("inbox").next_sync_at is None  # type: ignore[union-attr]


def test_post_now_posts_through_the_sandbox_connection(world: World, owner: TestClient) -> None:
    from liasse.app import actions
    from liasse.app.sandbox import start_embedded_qonto

    world.services.poster = None  # only the workspace's own (sandbox) Qonto connection
    sandbox = start_embedded_qonto(world.services, lambda line: None)
    try:
        unsure = world.document_id("unsure.pdf")
        world.repo_call(lambda repo: actions.approve(repo, unsure, actor="user:owner"))
        page = owner.get("/w/default/status").text
        assert "Qonto is not connected" not in page
        done = owner.post("/w/default/post-now", data={"csrf": csrf_of(page)})
        assert "Qonto is not connected" not in done.text
        assert world.state_of("unsure.pdf") == "posted"
        record = owner.get(f"/w/default/documents/{unsure}").text
        assert 'id="sandbox-invoice"' in record  # the link stays local
        assert "app.qonto.com" not in record
    finally:
        sandbox.stop()


def test_the_status_page_shows_each_receipts_export(world: World, owner: TestClient) -> None:
    from datetime import date

    from liasse.app import connections
    from liasse.store.receipts_repo import ExportSettings

    with world.services.repo(ConnectionRepo) as repo:
        repo.add_connection("dropbox", "dropbox", {})
    connections.configure_receipts_export(
        world.services, "dropbox", ExportSettings(date(2026, 1, 1), "by_date", "22:45",
                                                  "Europe/Paris"))
    table = owner.get("/w/default/status").text.split('id="receipts-exports"', 1)[1]
    row = table.split("</table>", 1)[0]
    assert "daily at 22:45 Europe/Paris" in row and "never" in row
