"""Where a sync window spends its time (issue 15): each step timed, against reading alone.

    uv run python bench/window.py [--files 400] [--seed 3]

`--files` born-digital documents of the generated corpus (`liasse.samples.corpus`, no
scans) are dropped in a local inbox; one window runs every step of `run_window`, in its
order, on SQLite, with a poster that answers at once (the Qonto calls are not what is
measured here). Prints seconds and share per step, the window's documents/s, and
`extract_document` alone on the same files in this process (files/s on one core). The
one-off import of scikit-learn (the account classifier) is done before the timing: a
long-running `liasse run` pays it once.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable

from liasse.app.services import build_pipeline, initialise, make_extractor, open_services
from liasse.app.settings import load_settings
from liasse.domain.ports import InvoiceToPost, PostResult
from liasse.samples.corpus import generate
from liasse.sync import matching, posting, steps, writeback
from liasse.sync.pipeline import Pipeline


class InstantBank:
    def post(self, invoices: list[InvoiceToPost]) -> list[PostResult]:
        return [PostResult(i.document_id, f"si-{i.idempotency_key[:8]}") for i in invoices]


def timed_window(pipeline: Pipeline) -> dict[str, float]:
    """The steps of `liasse.sync.window.run_window`, each timed."""
    counts = steps.WindowCounts()
    plan: list[tuple[str, Callable[[], object]]] = [
        ("retries", lambda: steps.resume_due_retries(pipeline)),
        ("intake", lambda: [steps.intake(pipeline, c, counts) for c in pipeline.sources]),
        ("fetch", lambda: steps.fetch(pipeline, counts)),
        ("extract", lambda: steps.extract(pipeline, counts)),
        ("enrich and route", lambda: steps.enrich_and_route(pipeline, counts)),
        ("already paid", lambda: matching.hold_already_paid(
            pipeline.sessions, pipeline.context, pipeline.clock)),
        ("post intents", lambda: posting.record_post_intents(pipeline)),
        ("post", lambda: posting.drain_post_outbox(pipeline, counts)),
        ("write-back", lambda: writeback.write_back(pipeline, counts)),
    ]
    seconds = {}
    for name, step in plan:
        began = time.perf_counter()
        step()
        seconds[name] = time.perf_counter() - began
    assert counts.extracted == counts.discovered, counts
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    os.environ["LIASSE_HOME"] = tempfile.mkdtemp(prefix="liasse-bench-window-")
    settings = load_settings(qonto={"mode": "off"}, inbox={"settle_seconds": 0})
    initialise(settings)
    documents = list(generate(args.files, seed=args.seed, scans=False))
    for document in documents:
        (settings.inbox_path / f"{document.name}{document.suffix}").write_bytes(document.data)
    services = open_services(settings)
    services.poster = InstantBank()
    pipeline = build_pipeline(services)
    import sklearn.feature_extraction.text  # noqa: F401  (the one-off import, untimed)

    seconds = timed_window(pipeline)
    total = sum(seconds.values())
    extractor = make_extractor(settings)
    assert extractor is not None
    began = time.perf_counter()
    for document in documents:
        extractor.extract(document.data, file_name=document.name, context=pipeline.context)
    alone = len(documents) / (time.perf_counter() - began)
    print(f"{'step':<18} {'seconds':>8} {'share':>6}")
    for name, value in seconds.items():
        print(f"{name:<18} {value:8.2f} {value / total:6.0%}")
    window = len(documents) / total
    print(f"window: {len(documents)} documents in {total:.1f} s = {window:.1f} documents/s "
          f"(extract workers: {pipeline.extract_workers})")
    print(f"extract_document alone, one process: {alone:.1f} files/s; "
          f"window / alone = {window / alone:.0%}")
    services.close()


if __name__ == "__main__":
    main()
