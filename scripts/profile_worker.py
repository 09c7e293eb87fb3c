"""`liasse worker` with its jobs profiled: `python scripts/profile_worker.py OUT worker …`.

procrastinate runs sync tasks in a thread, which `python -m cProfile` does not see; this
wraps the job functions of `liasse.app.jobs.tasks` in one profiler (run the worker with
concurrency 1) and writes it to OUT when the worker stops. Used by `bench/scale.py
--profile`.
"""

from __future__ import annotations

import atexit
import cProfile
import functools
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from liasse.app.jobs import tasks

# `LIASSE_PROFILE_CPU=1`: the job thread's CPU time (`time.thread_time`) instead of wall
# time, so that waits (SQL round trips, the reader's children) drop out of the figures.
PROFILER = (cProfile.Profile(time.thread_time) if os.environ.get("LIASSE_PROFILE_CPU") == "1"
            else cProfile.Profile())


def profiled(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        PROFILER.enable()
        try:
            return function(*args, **kwargs)
        finally:
            PROFILER.disable()

    return wrapper


def main() -> None:
    out = sys.argv.pop(1)
    for name in ("window_job", "read_job", "post_job"):
        setattr(tasks, name, profiled(getattr(tasks, name)))
    atexit.register(PROFILER.dump_stats, out)
    from liasse.cli import main as liasse_main

    liasse_main()


if __name__ == "__main__":
    main()
