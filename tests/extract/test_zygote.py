"""Reader children forked from one zygote: imports paid once, every safety kept."""

from __future__ import annotations

import gc
import os
import pickle
import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from liasse.extract.worker import TimeLimitExceeded, WorkerError, WorkerPool
from liasse.extract.zygote import Zygote, _serve_zygote, zygotes_work
from processes import assert_ended

pytestmark = pytest.mark.skipif(not zygotes_work(), reason="needs Linux pidfds")

PARENT = "__import__('os').getppid()"
SLOW_PARENT = "__import__('time').sleep(1) or __import__('os').getppid()"


def _parents(pool: WorkerPool) -> set[int]:
    with ThreadPoolExecutor(max_workers=2) as threads:
        return set(threads.map(lambda _: pool.run(eval, SLOW_PARENT, seconds=30), range(2)))


def test_a_warmed_pool_forks_its_children_from_one_zygote() -> None:
    pool = WorkerPool(2)
    try:
        pool.warm(bool)
        (parent,) = _parents(pool)  # both children have the same parent
        assert parent != os.getpid()
    finally:
        pool.close()


def test_a_forked_child_past_its_deadline_is_killed_with_its_programs(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    pool = WorkerPool(2)
    try:
        pool.warm(bool)
        (zygote,) = _parents(pool)
        with pytest.raises(TimeLimitExceeded):
            pool.run(subprocess.call, ["sh", "-c", f"echo $$ > {pid_file}; exec sleep 60"],
                     seconds=1.0)
        assert_ended(pid_file)
        # The next document is read by a child forked again from the same zygote.
        assert _parents(pool) == {zygote}
    finally:
        pool.close()


def test_a_forked_child_keeps_the_memory_limit() -> None:
    pool = WorkerPool(2, memory_limit_bytes=512 * 1024**2)
    try:
        pool.warm(bool)
        with pytest.raises(WorkerError, match="memory"):
            pool.run(eval, "len(bytearray(1024**3))", seconds=30)
        assert pool.run(eval, "1 + 1", seconds=30) == 2
    finally:
        pool.close()


def test_a_zygote_with_a_second_thread_refuses_to_fork() -> None:
    zygote = Zygote(memory_limit_bytes=None)
    try:
        assert zygote.prepare(exec, "import threading, time\n"
                              "threading.Thread(target=time.sleep, args=(30,), daemon=True)"
                              ".start()")
        assert zygote.fork() is None
    finally:
        zygote.close()


def test_a_zygote_whose_warm_up_fails_leaves_fresh_interpreters() -> None:
    pool = WorkerPool(2)
    try:
        pool.warm(int)  # int(None) raises in the zygote: the children start from scratch
        assert _parents(pool) == {os.getpid()}
    finally:
        pool.close()


def test_the_warm_up_is_frozen_out_of_the_childrens_collections() -> None:
    pool = WorkerPool(2)
    try:
        pool.warm(bool)
        frozen = pool.run(eval, "__import__('gc').get_freeze_count()", seconds=30)
        assert frozen > 0  # what the zygote imported, which a fresh interpreter has not
    finally:
        pool.close()


def test_a_zygote_whose_parent_left_before_its_answer_ends_quietly() -> None:
    ours, theirs = socket.socketpair()
    message = pickle.dumps((bool, None))
    ours.sendall(len(message).to_bytes(8, "big") + message)
    ours.close()  # an XML-only batch: the parent is done before the zygote is ready
    try:
        _serve_zygote(theirs)  # returns, rather than raising BrokenPipeError
    finally:
        gc.unfreeze()
        theirs.close()
