"""The web app in a real browser (headless Chromium via Playwright) over loopback.

The app is served by uvicorn on 127.0.0.1 with a SQLite database filled through the real
pipeline (scripted extractor, recording bank: see tests/web/webworld.py). Screenshots of
each page go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))

from webworld import PASSWORD, TEST_CONFIG, World, filled_world, invoice_file

from liasse.app.settings import Settings
from liasse.web.app import create_app

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LoopbackServer:
    def __init__(self, world: World) -> None:
        self.port = free_port()
        config = uvicorn.Config(create_app(world.services, TEST_CONFIG), host="127.0.0.1",
                                port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    world = filled_world(settings)
    yield world
    world.services.close()


@pytest.fixture
def site(world: World) -> Iterator[LoopbackServer]:
    with LoopbackServer(world) as server:
        yield server


@pytest.fixture
def page(browser: object, site: LoopbackServer) -> Iterator[object]:
    context = browser.new_context(base_url=site.url, viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def shot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)  # type: ignore[attr-defined]


def log_in(page: object) -> None:
    page.goto("/login")  # type: ignore[attr-defined]
    shot(page, "login")
    page.fill("input[name=email]", "owner@example.com")  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/w/default/dashboard")  # type: ignore[attr-defined]


def test_review_correct_approve_and_see_it_posted(page: object, world: World) -> None:
    p: object = page
    log_in(p)
    shot(p, "dashboard")
    p.click("text=Review")  # type: ignore[attr-defined]
    p.wait_for_selector("#fields-form")  # type: ignore[attr-defined]
    shot(p, "review")
    assert p.locator("tr.low[data-field=total_amount]").count() == 1  # type: ignore[attr-defined]
    p.fill("#f-total_amount", "132.50")  # type: ignore[attr-defined]
    p.click("#save-fields")  # type: ignore[attr-defined]
    p.wait_for_selector("text=Fields saved.")  # type: ignore[attr-defined]
    unsure = world.document_id("unsure.pdf")
    p.click("#approve")  # type: ignore[attr-defined]
    p.wait_for_selector("text=Approved: it will be posted")  # type: ignore[attr-defined]
    assert world.state_of("unsure.pdf") == "approved"
    p.goto(f"/w/default/documents/{unsure}")  # type: ignore[attr-defined]
    p.click("#post-now")  # type: ignore[attr-defined]
    p.wait_for_selector("text=Approved invoices posted.")  # type: ignore[attr-defined]
    assert "si-" in p.inner_text("#qonto-id")  # type: ignore[attr-defined]
    shot(p, "record")
    assert world.state_of("unsure.pdf") == "posted"
    assert world.bank.posted_files.count("unsure.pdf") == 1
    p.goto("/w/default/documents")  # type: ignore[attr-defined]
    shot(p, "documents")


def test_retry_a_parked_failure_after_fixing_it(page: object, world: World) -> None:
    world.bank.reject = {"iban.pdf"}
    invoice_file(world.inbox, "iban.pdf", 0.97)
    world.run_window()
    log_in(page)
    page.goto("/w/default/status")  # type: ignore[attr-defined]
    row = page.locator(f"tr[data-document='{world.document_id('iban.pdf')}']")  # type: ignore[attr-defined]
    assert "supplier IBAN is invalid" in row.inner_text()
    shot(page, "status")
    world.bank.reject = set()  # the fix happens outside liasse
    row.locator("button.retry").click()
    page.wait_for_selector("text=Sent back to the step that failed.")  # type: ignore[attr-defined]
    page.click("#post-now")  # type: ignore[attr-defined]
    page.wait_for_selector("#no-failures")  # type: ignore[attr-defined]
    assert world.state_of("iban.pdf") == "posted"


def test_ask_a_question_and_follow_a_link(page: object, world: World) -> None:
    log_in(page)
    page.goto("/w/default/ask")  # type: ignore[attr-defined]
    page.fill("#question", "how much did we spend with Orange this year?")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_selector("#answer")  # type: ignore[attr-defined]
    assert "Orange Business" in page.inner_text("#answer .headline")  # type: ignore[attr-defined]
    shot(page, "ask")
    page.click("#answer ul.links a >> nth=0")  # type: ignore[attr-defined]
    page.wait_for_url(f"**/w/default/documents/{world.document_id('sure.pdf')}")  # type: ignore[attr-defined]
    assert page.inner_text("h1") == "sure.pdf"  # type: ignore[attr-defined]


def test_keyboard_only_review(page: object, world: World) -> None:
    page.goto("/login")  # type: ignore[attr-defined]
    # The e-mail field takes the focus itself (autofocus); type only once it has it.
    page.wait_for_selector("input[name=email]:focus")  # type: ignore[attr-defined]
    page.keyboard.type("owner@example.com")  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    page.keyboard.type(PASSWORD)  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_url("**/w/default/dashboard")  # type: ignore[attr-defined]
    page.goto("/w/default/review")  # type: ignore[attr-defined]
    unsure, second = world.document_id("unsure.pdf"), world.document_id("second.pdf")
    page.wait_for_url(f"**/review/{unsure}")  # type: ignore[attr-defined]
    page.keyboard.press("j")  # type: ignore[attr-defined]
    page.wait_for_url(f"**/review/{second}")  # type: ignore[attr-defined]
    page.keyboard.press("k")  # type: ignore[attr-defined]
    page.wait_for_url(f"**/review/{unsure}")  # type: ignore[attr-defined]
    page.keyboard.press("a")  # type: ignore[attr-defined]
    page.wait_for_url(f"**/review/{second}?msg=approved")  # type: ignore[attr-defined]
    page.keyboard.press("r")  # type: ignore[attr-defined]
    page.keyboard.type("not our invoice")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_selector("text=Nothing to review")  # type: ignore[attr-defined]
    assert (world.state_of("unsure.pdf"), world.state_of("second.pdf")) == ("approved",
                                                                            "refused")


def test_edit_a_supplier_rule(page: object, world: World) -> None:
    from liasse.domain.suppliers import Supplier
    from liasse.store.suppliers_repo import SupplierRepo

    with world.services.repo(SupplierRepo) as repo:
        supplier_id = repo.add(
            Supplier("", "Orange Business")).id
    log_in(page)
    page.goto(f"/w/default/suppliers/{supplier_id}")  # type: ignore[attr-defined]
    page.select_option("#rule-account", "626")  # type: ignore[attr-defined]
    page.check("#rule-always-review")  # type: ignore[attr-defined]
    page.fill("#rule-approve-from", "90")  # type: ignore[attr-defined]
    page.click("#save-rule")  # type: ignore[attr-defined]
    page.wait_for_selector("text=Rule saved.")  # type: ignore[attr-defined]
    assert "626" in page.inner_text("#supplier-account")  # type: ignore[attr-defined]
    assert "90%" in page.inner_text("#supplier-rule")  # type: ignore[attr-defined]
    shot(page, "supplier")
    with world.services.repo(SupplierRepo) as repo:
        rule = repo.get(supplier_id).rule
    assert (rule.ledger_account, rule.always_review, rule.approve_from) == ("626", True, 0.9)
