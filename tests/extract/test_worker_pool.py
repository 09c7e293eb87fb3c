"""The reader's pool starts the children its callers need, warmed ones first."""

from __future__ import annotations

import gc
from concurrent.futures import ThreadPoolExecutor

from liasse.extract.worker import YOUNG_OBJECTS_COLLECTED_AFTER, WorkerPool

PID = "__import__('os').getpid()"
SLOW_PID = "__import__('time').sleep(1) or __import__('os').getpid()"


def test_a_batch_of_one_uses_the_one_child_warmed_for_it() -> None:
    pool = WorkerPool(2)
    try:
        pool.warm(bool, count=1)
        # The first document waits for the warming child instead of starting the other.
        pids = {pool.run(eval, PID, seconds=30) for _ in range(3)}
        assert len(pids) == 1
    finally:
        pool.close()


def test_documents_side_by_side_start_a_child_each_when_none_is_warming() -> None:
    pool = WorkerPool(2)
    try:
        with ThreadPoolExecutor(max_workers=2) as threads:
            pids = set(threads.map(lambda _: pool.run(eval, SLOW_PID, seconds=30), range(2)))
        assert len(pids) == 2
    finally:
        pool.close()


def test_warming_the_whole_pool_starts_every_child() -> None:
    pool = WorkerPool(2)
    try:
        pool.warm(bool)
        with ThreadPoolExecutor(max_workers=2) as threads:
            pids = set(threads.map(lambda _: pool.run(eval, SLOW_PID, seconds=30), range(2)))
        assert len(pids) == 2
    finally:
        pool.close()


def test_a_child_collects_its_young_objects_less_often_spawned_or_forked() -> None:
    """Both kinds of child: a fresh interpreter (no warm-up) and one forked by the zygote."""
    threshold = "__import__('gc').get_threshold()[0]"
    for warmed in (False, True):
        pool = WorkerPool(1)
        try:
            if warmed:
                pool.warm(bool)
            assert pool.run(eval, threshold, seconds=30) == YOUNG_OBJECTS_COLLECTED_AFTER
        finally:
            pool.close()
    assert gc.get_threshold()[0] < YOUNG_OBJECTS_COLLECTED_AFTER  # the parent keeps its own
