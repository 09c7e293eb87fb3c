"""Take the README screenshots from a real `liasse run --demo` (a developer tool, not a test).

Starts the demo service in a throwaway home on free loopback ports, adds three corpus
documents that land in review, waits until everything is processed and the demo invoices
are matched, then drives Debian's Chromium through the pages into docs/screenshots/.
The service is stopped at the end whatever happens.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import Page, sync_playwright

from liasse.app.services import DEMO_DAY_FILE
from liasse.samples.corpus import build_document
from liasse.samples.demo import demo_invoices
from liasse.samples.inbox import demo_file_name

ROOT = Path(__file__).resolve().parents[1]
LIASSE = ROOT / ".venv" / "bin" / "liasse"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
MAX_PNG_BYTES = 150_000
WORKSPACE = "default"

# Corpus seed 0 documents that the engine sends to review: a scan with a mistyped SIRET,
# a PDF with a mistyped SIRET, and a credit note with a mistyped IBAN.
REVIEW_DOCUMENTS = (4, 55, 46)
# The review screenshot shows the PDF: the review viewer shows an image at its natural
# size (only a corner of a 300 dpi scan fits), which is no good for a README.
REVIEW_SHOWN = 55
SETTLED_STATES = frozenset({"in_review", "approved", "posted", "matched", "filed_back",
                            "refused", "parked", "duplicate"})

STARTUP_SECONDS = 60.0
PROCESSED_SECONDS = 60.0
# Bank windows run every 30 s on the sandbox: two of them and some slack.
MATCHED_SECONDS = 75.0
POLL_SECONDS = 2.0
STOP_SECONDS = 20.0
# Chromium's PDF viewer draws the page a moment after the network is idle.
PDF_RENDER_MS = 3000

LOGIN_LINE = re.compile(r"Log in as (\S+) with password (\S+)")
INBOX_LINE = re.compile(r"Drop documents into (.+)$")


class ScreenshotError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Service:
    """The `liasse run --demo` subprocess and what it printed."""

    process: subprocess.Popen[str]
    env: dict[str, str]
    port: int
    lines: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def read_output(self) -> None:
        """Keep the pipe drained (a full pipe would block the service)."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def printed(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        return next((m for line in list(self.lines) if (m := pattern.search(line))), None)

    def wait_for_line(self, pattern: re.Pattern[str]) -> re.Match[str]:
        deadline = time.monotonic() + STARTUP_SECONDS
        while (match := self.printed(pattern)) is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = "\n".join(self.lines[-20:])
                raise ScreenshotError(f"liasse run did not print {pattern.pattern!r}:\n{tail}")
            time.sleep(0.2)
        return match

    @property
    def demo_files(self) -> frozenset[str]:
        """The demo inbox's file names: the invoices are dated from the day the service
        seeded the demo, as it recorded it in its home."""
        record = Path(self.env["LIASSE_HOME"]) / DEMO_DAY_FILE
        day = date.fromisoformat(record.read_text(encoding="utf-8").strip())
        return frozenset(demo_file_name(invoice) for invoice in demo_invoices(day))

    def status(self) -> dict[str, Any]:
        done = subprocess.run([str(LIASSE), "status", "--json"], env=self.env, check=True,
                              capture_output=True, text=True, timeout=60)
        report: dict[str, Any] = json.loads(done.stdout)
        return report

    def stop(self) -> None:
        """SIGINT lets uvicorn and the scheduler shut down cleanly; kill if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def demo_service(home: Path) -> Iterator[Service]:
    port = free_port()
    env = {**os.environ, "LIASSE_HOME": str(home), "LIASSE_WEB__PORT": str(port),
           "LIASSE_QONTO__SANDBOX_PORT": "0"}
    process = subprocess.Popen([str(LIASSE), "run", "--demo"], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    service = Service(process, env, port)
    threading.Thread(target=service.read_output, daemon=True).start()
    try:
        yield service
    finally:
        service.stop()


def drop_review_documents(inbox: Path) -> list[str]:
    names = []
    for index in REVIEW_DOCUMENTS:
        document = build_document(index, seed=0)
        (inbox / document.name).write_bytes(document.data)
        names.append(document.name)
    return names


def states_by_file(report: dict[str, Any]) -> dict[str, str]:
    return {line["file_name"]: line["state"] for line in report["recent"]}


def wait_until(service: Service, done: Callable[[dict[str, str]], bool],
               seconds: float) -> dict[str, str]:
    """Poll `liasse status --json` until `done(states)`; the last states either way."""
    deadline = time.monotonic() + seconds
    while True:
        states = states_by_file(service.status())
        if done(states) or time.monotonic() > deadline:
            return states
        time.sleep(POLL_SECONDS)


def wait_for_pipeline(service: Service, dropped: list[str]) -> dict[str, str]:
    demo_files = service.demo_files
    expected = [*dropped, *demo_files]
    states = wait_until(service, lambda s: all(s.get(name) in SETTLED_STATES
                                               for name in expected), PROCESSED_SECONDS)
    unsettled = {name: states.get(name) for name in expected
                 if states.get(name) not in SETTLED_STATES}
    if unsettled:
        raise ScreenshotError(f"documents not processed in time: {unsettled}")
    if not any(state == "in_review" for state in states.values()):
        raise ScreenshotError(f"no document is in review: {states}")
    if not any(states[name] == "in_review" for name in dropped):
        print(f"warning: none of the dropped documents is in review: {states}",
              file=sys.stderr)
    return states


def wait_for_matches(service: Service) -> None:
    """The demo invoices, approved, are posted and then matched by the bank window."""
    demo_files = service.demo_files
    states = wait_until(service, lambda s: all(s[name] == "matched" for name in demo_files),
                        MATCHED_SECONDS)
    unmatched = {name: states[name] for name in demo_files if states[name] != "matched"}
    if unmatched:
        print(f"warning: demo invoices not matched after {MATCHED_SECONDS:.0f}s: {unmatched}",
              file=sys.stderr)


def approve_demo_invoices(page: Page, service: Service) -> None:
    """What the newcomer does next: approve the demo invoices waiting in review."""
    waiting = [line["id"] for line in service.status()["recent"]
               if line["file_name"] in service.demo_files and line["state"] == "in_review"]
    for document_id in waiting:
        page.goto(f"/w/{WORKSPACE}/review/{document_id}")
        page.click("#approve-form button#approve")
        page.wait_for_load_state("networkidle")


def review_to_show(report: dict[str, Any]) -> str:
    """The id of the chosen corpus document if in review, else of any document in review."""
    shown = build_document(REVIEW_SHOWN, seed=0).name
    in_review = [line for line in report["recent"] if line["state"] == "in_review"]
    in_review.sort(key=lambda line: line["file_name"] != shown)
    return str(in_review[0]["id"])


def record_to_show(report: dict[str, Any], demo_files: frozenset[str]) -> str:
    """A demo invoice's id: a matched one if any, else a posted one."""
    demo = [line for line in report["recent"] if line["file_name"] in demo_files]
    for wanted in ("matched", "posted"):
        for line in demo:
            if line["state"] == wanted:
                return str(line["id"])
    raise ScreenshotError("no demo invoice is posted or matched")


def fewer_colours(png: bytes) -> bytes:
    """A 256-colour palette: the flat colours of a web page survive it unchanged."""
    with Image.open(io.BytesIO(png)) as image:
        paletted = image.convert("RGB").quantize(colors=256)
        out = io.BytesIO()
        paletted.save(out, format="PNG", optimize=True)
        return out.getvalue()


def smallest_png(page: Page, height: int | None) -> bytes:
    """The page down to `height` pixels (None: all of it), palette-reduced if too big."""
    clip = None if height is None else {"x": 0, "y": 0, "width": VIEWPORT["width"],
                                        "height": height}
    image = page.screenshot(type="png", full_page=True, clip=clip)  # type: ignore[arg-type]
    return image if len(image) <= MAX_PNG_BYTES else fewer_colours(image)


def save(page: Page, path: Path) -> None:
    """As much of the page as fits in the size budget: all, two screens, else one."""
    page.wait_for_load_state("networkidle")
    for height in (None, 2 * VIEWPORT["height"], VIEWPORT["height"]):
        image = smallest_png(page, height)
        if len(image) <= MAX_PNG_BYTES:
            break
    path.write_bytes(image)
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
          f"{len(image) // 1000} KB")


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/w/{WORKSPACE}/dashboard")


def take_screenshots(service: Service, email: str, password: str, out: Path) -> None:
    review_id = review_to_show(service.status())
    out.mkdir(parents=True, exist_ok=True)
    base = f"/w/{WORKSPACE}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=service.url, viewport=VIEWPORT)  # type: ignore[arg-type]
            page = context.new_page()
            page.set_default_timeout(15_000)
            log_in(page, email, password)
            page.goto(f"{base}/review/{review_id}")
            page.wait_for_selector("#fields-form")
            page.wait_for_timeout(PDF_RENDER_MS)
            save(page, out / "review.png")
            approve_demo_invoices(page, service)
            wait_for_matches(service)
            record_id = record_to_show(service.status(), service.demo_files)
            page.goto(f"{base}/dashboard")
            save(page, out / "dashboard.png")
            page.goto(f"{base}/documents/{record_id}")
            save(page, out / "record.png")
            page.goto(f"{base}/status")
            save(page, out / "status.png")
            page.goto(f"{base}/suppliers")
            save(page, out / "suppliers.png")
        finally:
            browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out: Path = parser.parse_args().out.resolve()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="liasse-screenshots-") as home, \
            demo_service(Path(home)) as service:
        email, password = service.wait_for_line(LOGIN_LINE).groups()
        inbox = Path(service.wait_for_line(INBOX_LINE).group(1).strip())
        dropped = drop_review_documents(inbox)
        states = wait_for_pipeline(service, dropped)
        print("states:", json.dumps(states, sort_keys=True))
        take_screenshots(service, email, password, out)
    print(f"done in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ScreenshotError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
