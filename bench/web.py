"""Web figures: first load of the review queue (and other pages) with 1,000 documents.

Run: `uv run python bench/web.py [DOCUMENTS]`. Serves the app with uvicorn on loopback over
a fresh SQLite database, logs in over HTTP, then times page loads. Target: the first
load of the review queue under 300 ms. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from liasse.app.accounts import add_user
from liasse.app.services import Services, open_services
from liasse.app.settings import WebConfig, load_settings
from liasse.app.setup import initialise
from liasse.domain.extraction import FIELD_NAMES
from liasse.domain.states import State
from liasse.store.documents_repo import DocumentRepo
from liasse.web.app import create_app

PASSWORD = "bench password 1234"
STATES = (State.IN_REVIEW, State.POSTED, State.REFUSED, State.APPROVED, State.PARKED)


def seed(services: Services, count: int) -> None:
    """`count` documents, 40 % of them waiting for review, with a full extraction each."""
    with services.repo(DocumentRepo) as repo:
        for index in range(count):
            document = repo.create_document(
                sha256=f"{index:064x}", size=1000, file_name=f"invoice-{index:05}.pdf",
                media_type="application/pdf", actor="bench")
            document.state = (State.IN_REVIEW if index % 5 < 2 else STATES[index % 5]).value
            document.supplier_name = f"Supplier {index % 37}"
            document.invoice_number, document.issue_date = f"F-{index}", "2026-11-03"
            document.total_minor, document.currency = 1000 + index * 7, "EUR"
            document.confidence = 0.55 + (index % 30) / 100
            document.route_reasons = ["confidence below 85 %: a person should check"]
            document.extraction = {"fields": {name: {"value": f"{name} {index}",
                                                     "confidence": 0.8, "evidence": "page 1"}
                                              for name in FIELD_NAMES}}
    add_user(services, "bench@example.com", PASSWORD, role="owner")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def timed_get(client: httpx.Client, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - start) * 1000
    response.raise_for_status()
    return elapsed


def log_in(client: httpx.Client) -> None:
    page = client.get("/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token is not None
    client.post("/login", data={"email": "bench@example.com", "password": PASSWORD,
                                "csrf": token.group(1)}).raise_for_status()


def main(count: int) -> None:
    os.environ["LIASSE_HOME"] = tempfile.mkdtemp(prefix="liasse-bench-web-")
    settings = load_settings(qonto={"mode": "off"})
    initialise(settings)
    services = open_services(settings)
    started = time.perf_counter()
    seed(services, count)
    print(f"seeded {count} documents in {time.perf_counter() - started:.1f} s "
          f"({Path(settings.home).name})")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(services, WebConfig()), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=True) as client:
            log_in(client)
            first = timed_get(client, "/w/default/review")
            print(f"review queue, first load (redirect + page): {first:.0f} ms "
                  f"(target < 300 ms) {'OK' if first < 300 else 'SLOW'}")
            for path in ("/w/default/review", "/w/default/documents", "/w/default/dashboard",
                         "/w/default/status", "/w/default/documents?q=supplier_name+42"):
                runs = [timed_get(client, path) for _ in range(10)]
                print(f"{path:45} median {statistics.median(runs):6.1f} ms, "
                      f"max {max(runs):6.1f} ms over 10 loads")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
