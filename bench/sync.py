"""Sync latency and backfill throughput (issue 8), on both emulators over loopback.

    uv run python bench/sync.py [--samples 20] [--window 5] [--backfill 2000]

- latency: a Factur-X PDF uploaded to the Dropbox emulator → its supplier invoice listed by
  the Qonto emulator; p50/p95 in window mode (window `--window` seconds, through
  `LIASSE_SYNC__UNTHROTTLED`; the real-API floor is 15 minutes) and in instant mode when
  `liasse.sync.instant` exists (otherwise a note says it was skipped);
- backfill: `--backfill` files already in the folder when `liasse run` starts, time until
  all are posted, against `extract_document` timed on the same files in one process.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from reliability import (
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


def started_stack(stack: Stack) -> None:
    stack.start_emulators()
    upload_folder(stack)
    stack.set_up_liasse()


def posted_names(stack: Stack) -> set[str]:
    return {invoice["file_name"] for invoice in qonto_invoices(stack)}


def wait_for_posting(stack: Stack, name: str) -> None:
    wait_until(lambda: name in posted_names(stack), 120, name, step=0.05)


def latency_samples(window: float, samples: int) -> list[float]:
    rng = random.Random(1)
    seconds = []
    with running_stack(StackConfig(window_seconds=window, write_back=False)) as stack:
        started_stack(stack)
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


def backfill(count: int, window: float) -> tuple[float, float]:
    """Seconds for liasse to post `count` files, and seconds `extract_document` takes alone."""
    from liasse.extract.cascade import extract_document

    documents = make_documents(count, 1.0, seed=3)
    with running_stack(StackConfig(window_seconds=window, write_back=False)) as stack:
        started_stack(stack)
        for document in documents:
            upload(stack, f"{WATCHED_FOLDER}/{document.name}", document.content)
        began = time.monotonic()
        stack.start_liasse()
        wait_until(lambda: len(qonto_invoices(stack)) >= count, 3600, "the backfill", step=1)
        total = time.monotonic() - began
    began = time.monotonic()
    for document in documents:
        extract_document(document.content, file=document.name)
    return total, time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--window", type=float, default=5.0)
    parser.add_argument("--backfill", type=int, default=2000)
    args = parser.parse_args()
    window = latency_samples(args.window, args.samples)
    print(f"window mode ({args.window:g} s window): upload → Qonto p50 "
          f"{statistics.median(window):.2f} s, p95 {percentile(window, 0.95):.2f} s "
          f"({len(window)} samples)")
    if importlib.util.find_spec("liasse.sync.instant") is None:
        print("instant mode: skipped, liasse.sync.instant is not there yet")
    else:
        print("instant mode: present, but no setting to switch a connection to it is known "
              "to this bench yet: skipped")
    total, extraction = backfill(args.backfill, args.window)
    print(f"backfill of {args.backfill} born-digital PDFs: {total:.1f} s, "
          f"{args.backfill / total:.1f} documents/s")
    print(f"extract_document alone on the same files, one process: {extraction:.1f} s; "
          f"share of the backfill outside extraction: {max(0.0, 1 - extraction / total):.0%}")


if __name__ == "__main__":
    main()
