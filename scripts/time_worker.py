"""`liasse worker` with wall-clock totals and SQL statement counts, without a profiler:
`python scripts/time_worker.py OUT worker …`. Used by `bench/scale.py --timings OUT`.

cProfile (`profile_worker.py`) slows pure-Python code about threefold, so it overstates
the reader (field reading) against the waits (SQL, the parser's child process). This
wraps the jobs and a few steps in `perf_counter` timers and counts the statements each
job kind sends (a SQLAlchemy event; BEGIN and COMMIT are not statements there), and
writes `{name: [calls, seconds, CPU seconds of the calling thread]}` and
`{"sql <job>": [statements, 0]}` as JSON to OUT when the worker stops.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import json
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# (module, function or Class.method): the jobs first, then where a read job's time goes.
TIMED = (
    ("liasse.app.jobs.tasks", "read_job"), ("liasse.app.jobs.tasks", "window_job"),
    ("liasse.app.jobs.tasks", "post_job"),
    ("liasse.extract.cascade", "extract_document"),
    ("liasse.sync.enrichment", "StoreEnricher.enrich"),
    ("liasse.sync.enrichment", "StoreEnricher._knowledge"),
    ("liasse.sync.enrichment", "StoreEnricher._create_if_confident"),
    ("liasse.enrich.classifier", "AccountClassifier.top"),
    ("liasse.enrich.classifier", "AccountClassifier.train"),
    ("liasse.enrich.directory", "resolve_supplier"),
    ("liasse.enrich.duplicates", "DuplicateIndex.find"),
    ("liasse.app.pipelines", "CascadeExtractor._memories"),
    ("liasse.sync.steps", "_fetch_one"), ("liasse.sync.steps", "_claim_to_read"),
    ("liasse.sync.steps", "_store_read"), ("liasse.sync.posting", "drain_post_outbox"),
    # Work in threads of their own, outside the job's thread (its CPU figure leaves it out).
    ("liasse.app.pipelines", "CascadeExtractor.extract"), ("liasse.sync.steps", "_download"),
    ("liasse.sync.steps", "_store_reads"), ("liasse.sync.steps", "_decide"),
    ("liasse.sync.steps", "_as_stored"),
)
JOBS = ("read_job", "window_job", "post_job")

seconds: defaultdict[str, float] = defaultdict(float)
cpu: defaultdict[str, float] = defaultdict(float)  # this thread's CPU (the machine is shared)
calls: defaultdict[str, int] = defaultdict(int)
statements: defaultdict[str, int] = defaultdict(int)
# Statements by job kind and by their first words: which ones a document pays for.
shapes: defaultdict[str, int] = defaultdict(int)
current = threading.local()  # the job kind running in this thread


# The main thread's CPU (procrastinate's event loop: fetching, heartbeats, notifications)
# and the process's, when the first job starts: what the start-up cost is left out.
started: dict[str, float] = {}


def _main_thread_cpu() -> float:
    ident = threading.main_thread().ident
    assert ident is not None
    return time.clock_gettime(time.pthread_getcpuclockid(ident))


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not started:
            started.update(main=_main_thread_cpu(), process=time.process_time())
        outer = getattr(current, "job", None)
        if name in JOBS:
            current.job = name
        began, began_cpu = time.perf_counter(), time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] += time.perf_counter() - began
            cpu[name] += time.thread_time() - began_cpu
            calls[name] += 1
            current.job = outer

    return wrapper


def count(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
    job = getattr(current, "job", None) or "other"
    statements[job] += 1
    shapes[f"{job}: {' '.join(statement.split())[:90]}"] += 1


def install() -> None:
    for module_name, path in TIMED:
        module = importlib.import_module(module_name)
        owner_name, _, name = path.rpartition(".")
        owner = getattr(module, owner_name) if owner_name else module
        original = getattr(owner, name)
        wrapped = timed(path, original)
        setattr(owner, name, wrapped)
        if not owner_name:  # `from module import name` elsewhere holds the original
            for other in list(sys.modules.values()):
                if getattr(other, "__name__", "").startswith("liasse") \
                        and getattr(other, name, None) is original:
                    setattr(other, name, wrapped)
    event.listen(Engine, "before_cursor_execute", count)


def dump(out: str) -> None:
    figures: dict[str, list[float]] = {
        name: [calls[name], round(seconds[name], 3), round(cpu[name], 3)] for name in seconds}
    process = time.process_time()
    figures["process cpu"] = [1, round(process, 3), round(process, 3)]
    if started:
        main = _main_thread_cpu() - started["main"]
        since = process - started["process"]
        figures["main thread cpu from the first job"] = [1, round(main, 3), round(main, 3)]
        figures["process cpu from the first job"] = [1, round(since, 3), round(since, 3)]
    figures.update({f"sql {job}": [total, 0] for job, total in statements.items()})
    figures.update({f"shape {shape}": [total, 0] for shape, total in
                    sorted(shapes.items(), key=lambda item: -item[1])})
    Path(out).write_text(json.dumps(figures, indent=1), encoding="utf-8")


def main() -> None:
    out = sys.argv.pop(1)
    install()
    atexit.register(dump, out)
    from liasse.cli import main as liasse_main

    liasse_main()


if __name__ == "__main__":
    main()
