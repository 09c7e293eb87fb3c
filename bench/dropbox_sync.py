"""Dropbox connector figures against the emulator on loopback: listing rate, longpoll pick-up.

Run: `uv run python bench/dropbox_sync.py [FILES]`. Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time

import httpx

from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.endpoints import DropboxEndpoints
from liasse.connectors.dropbox.oauth import StaticToken
from liasse.connectors.dropbox.source import DropboxSource
from liasse.emulators.dropbox import DropboxState, EmulatorConfig
from liasse.emulators.dropbox.serve import running_emulator

TOKEN = "bench-token"


def main(files: int) -> None:
    state = DropboxState(EmulatorConfig(longpoll_max_wait=5.0), token=TOKEN)
    for index in range(files):
        state.put_file(f"/Inbox/{index % 50:02d}/invoice-{index}.pdf", f"%PDF {index}".encode())
    with running_emulator(state) as base_url, httpx.Client() as http:
        client = DropboxClient(http, StaticToken(TOKEN),
                               endpoints=DropboxEndpoints.single(base_url))
        source = DropboxSource(client, "/Inbox")
        started = time.perf_counter()
        pages = list(source.changes(None))
        elapsed = time.perf_counter() - started
        listed = sum(len(page.entries) for page in pages)
        print(f"full listing: {listed} files in {len(pages)} pages, {elapsed:.2f} s, "
              f"{listed / elapsed:,.0f} files/s")
        print(f"longpoll pick-up latency: {longpoll_latency(state, source, pages[-1].cursor)}")


def longpoll_latency(state: DropboxState, source: DropboxSource, cursor: str) -> str:
    samples: list[float] = []
    for round_number in range(20):
        dropped_at: list[float] = []

        def drop(number: int = round_number, dropped_at: list[float] = dropped_at) -> None:
            time.sleep(0.05)
            dropped_at.append(time.perf_counter())
            state.put_file(f"/Inbox/new-{number}.pdf", b"%PDF new")

        dropper = threading.Thread(target=drop)
        dropper.start()
        source.wait_for_changes(cursor)
        dropper.join()
        pages = list(source.changes(cursor))
        seen = time.perf_counter()
        cursor = pages[-1].cursor
        samples.append(seen - dropped_at[0])
    samples_ms = sorted(s * 1000 for s in samples)
    return (f"median {statistics.median(samples_ms):.1f} ms, max {samples_ms[-1]:.1f} ms "
            f"(file dropped -> listed, {len(samples)} rounds)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
