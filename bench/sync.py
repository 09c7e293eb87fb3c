"""Sync latency and backfill throughput (issue 8), on both emulators over loopback.

    uv run python bench/sync.py [--samples 20] [--window 5] [--backfill 2000]

- latency: a Factur-X PDF uploaded to the Dropbox emulator → its supplier invoice listed by
  the Qonto emulator; p50/p95 in window mode (window `--window` seconds, through
  `LIASSE_SYNC__UNTHROTTLED`; the real-API floor is 15 minutes) and in instant mode
  (`liasse connect dropbox --instant`: longpoll, then a short window);
- backfill: `--backfill` files already in the folder when `liasse run` starts, on a
  connection made with `--backfill-from` (`liasse.sync.backfill`), time until all are
  posted, against `extract_document` timed on the same files in one process.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from reliability import (
    DROPBOX_TOKEN,
    WATCHED_FOLDER,
    Stack,
    facturx_pdf,
    make_documents,
    qonto_invoices,
    running_stack,
    siren_with_check,
    upload,
    upload_folder,
    wait_until,
)
from reliability import RunConfig as StackConfig


def started_stack(stack: Stack, *dropbox_flags: str) -> None:
    """Emulators up, liasse initialised, Qonto connected, Dropbox connected with the
    emulator's long-lived token and `dropbox_flags` (`--instant`, `--backfill-from …`)."""
    stack.start_emulators()
    upload_folder(stack)
    stack.liasse("init")
    stack.liasse("connect", "qonto", "--api-key-stdin", "--base-url", stack.qonto_url,
                 stdin=stack.qonto_key + "\n")
    stack.liasse("connect", "dropbox", "--folder", WATCHED_FOLDER, "--no-write-back",
                 "--token", DROPBOX_TOKEN, *dropbox_flags)


def posted_names(stack: Stack) -> set[str]:
    return {invoice["file_name"] for invoice in qonto_invoices(stack)}


def wait_for_posting(stack: Stack, name: str) -> None:
    wait_until(lambda: name in posted_names(stack), 120, name, step=0.05)


def latency_samples(window: float, samples: int, *, instant: bool) -> list[float]:
    rng = random.Random(1)
    seconds = []
    with running_stack(StackConfig(window_seconds=window, write_back=False)) as stack:
        started_stack(stack, *(["--instant"] if instant else []))
        stack.start_liasse()
        time.sleep(8)  # let the service start and run its first windows
        for index in range(samples):
            time.sleep(rng.uniform(0, window))  # uploads land anywhere in a window
            name = f"latency-{index:03d}.pdf"
            content = facturx_pdf(f"LAT-{index:05d}", Decimal(100 + index), "Latence SARL",
                                  siren_with_check(20_000_000 + index))
            began = time.monotonic()
            upload(stack, f"{WATCHED_FOLDER}/{name}", content)
            wait_for_posting(stack, name)
            seconds.append(time.monotonic() - began)
    return seconds


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def backfill_recorded(stack: Stack) -> int:
    """How many files the backfill itself recorded (0 would mean a window listed them)."""
    with sqlite3.connect(stack.home / "liasse.db") as database:
        rows = database.execute("SELECT config FROM connections WHERE kind = 'dropbox'")
        return sum(int(json.loads(config).get("backfill", {}).get("recorded", 0))
                   for (config,) in rows)


SETTLED_STATES = ("posted", "matched", "filed_back", "in_review", "refused", "parked")


def settled_documents(stack: Stack) -> int:
    """Documents that went all the way (posted) or rest waiting for a person."""
    with sqlite3.connect(stack.home / "liasse.db", timeout=30) as database:
        rows = database.execute("SELECT state, count(*) FROM documents GROUP BY state")
        return sum(int(number) for state, number in rows if state in SETTLED_STATES)


def backfill(count: int, window: float) -> tuple[float, float, int, int]:
    """Seconds for liasse to post `count` files, and seconds `extract_document` takes alone."""
    from liasse.extract.cascade import extract_document

    documents = make_documents(count, 1.0, seed=3)
    with running_stack(StackConfig(window_seconds=window, write_back=False)) as stack:
        started_stack(stack, "--backfill-from", "2000-01-01")
        for document in documents:
            upload(stack, f"{WATCHED_FOLDER}/{document.name}", document.content)
        began = time.monotonic()
        stack.start_liasse()
        # Not "all posted": a few generated documents may rest in review (near-duplicates).
        wait_until(lambda: settled_documents(stack) >= count, 1800, "the backfill", step=1)
        total = time.monotonic() - began
        recorded = backfill_recorded(stack)
        posted = len(qonto_invoices(stack))
    began = time.monotonic()
    for document in documents:
        extract_document(document.content, file=document.name)
    return total, time.monotonic() - began, recorded, posted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--window", type=float, default=5.0)
    parser.add_argument("--backfill", type=int, default=2000)
    args = parser.parse_args()
    for instant in (False, True):
        if args.samples == 0:
            break
        seconds = latency_samples(args.window, args.samples, instant=instant)
        mode = "instant mode (longpoll)" if instant else f"window mode ({args.window:g} s window)"
        print(f"{mode}: upload → Qonto p50 {statistics.median(seconds):.2f} s, "
              f"p95 {percentile(seconds, 0.95):.2f} s ({len(seconds)} samples)", flush=True)
    total, extraction, recorded, posted = backfill(args.backfill, args.window)
    print(f"backfill of {args.backfill} born-digital PDFs ({recorded} recorded by the "
          f"backfill job, {posted} posted, the rest in review): {total:.1f} s, "
          f"{args.backfill / total:.1f} documents/s")
    print(f"extract_document alone on the same files, one process: {extraction:.1f} s; "
          f"share of the backfill outside extraction: {max(0.0, 1 - extraction / total):.0%}")


if __name__ == "__main__":
    main()
