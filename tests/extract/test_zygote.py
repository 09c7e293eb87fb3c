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

from liasse.extract import reader_start
from liasse.extract.cascade import import_reader, prepare_reader
from liasse.extract.reader_start import READER_IMPORTS, READER_START_UP
from liasse.extract.worker import TimeLimitExceeded, WorkerError, WorkerPool
from liasse.extract.zygote import ByName, Zygote, _ended_within, _serve_zygote, zygotes_work
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


def test_a_closed_zygote_ends_by_itself_and_is_reaped() -> None:
    zygote = Zygote(memory_limit_bytes=None, start_up=ByName("builtins", "bool"))
    process = zygote._process
    assert process is not None and zygote.prepare(ByName("builtins", "bool"))
    zygote.close()
    assert process.returncode == 0  # it left on its own: a killed zygote reads -9


def test_waiting_for_a_process_gives_up_at_its_deadline() -> None:
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        assert not _ended_within(sleeper, seconds=0.2)
        assert sleeper.returncode is None  # still running, still ours to kill
    finally:
        sleeper.kill()
        sleeper.wait()
    quick = subprocess.Popen(["true"])
    assert _ended_within(quick, seconds=30) and quick.returncode == 0
    assert _ended_within(quick, seconds=30)  # reaped already: asked again, still ended


def test_a_function_by_name_survives_pickling_and_runs() -> None:
    named = ByName("os.path", "basename")
    copy = pickle.loads(pickle.dumps(named))  # noqa: S301 - our own bytes
    assert copy == named and hash(copy) == hash(named) and copy.name == "os.path:basename"
    assert copy("/a/b.pdf") == "b.pdf"
    assert ByName.parse("liasse.extract.cascade:prepare_reader") == READER_START_UP


def test_the_readers_start_ups_name_the_cascades_warm_ups() -> None:
    module = __import__(READER_START_UP.module, fromlist=[READER_START_UP.function])
    assert getattr(module, READER_START_UP.function) is prepare_reader
    assert getattr(module, READER_IMPORTS.function) is import_reader


def test_a_zygote_started_with_its_warm_up_runs_it_unasked() -> None:
    """Named on its command line, the warm-up runs before the parent sends anything: the
    parent only waits for it, then forks as usual."""
    zygote = Zygote(memory_limit_bytes=None, start_up=ByName("builtins", "bool"))
    try:
        assert zygote.prepare(ByName("builtins", "bool"))
        child = zygote.fork()
        assert child is not None
        child.kill()
        child.wait(5)
    finally:
        zygote.close()


def test_a_zygote_started_with_its_warm_up_refuses_another() -> None:
    zygote = Zygote(memory_limit_bytes=None, start_up=ByName("builtins", "bool"))
    try:
        assert zygote.prepare(ByName("builtins", "int")) is False
        assert zygote.fork() is None
    finally:
        zygote.close()


def test_a_zygote_whose_named_warm_up_fails_says_so() -> None:
    zygote = Zygote(memory_limit_bytes=None, start_up=ByName("os", "no_such_function"))
    try:
        assert zygote.prepare(ByName("os", "no_such_function")) is False
        assert zygote.fork() is None
    finally:
        zygote.close()


def test_a_pool_warmed_by_name_forks_from_a_zygote_that_ran_it() -> None:
    pool = WorkerPool(2)
    try:
        pool.warm(ByName("builtins", "bool"))
        (parent,) = _parents(pool)
        assert parent != os.getpid()
    finally:
        pool.close()


@pytest.mark.parametrize(("documents", "expected"), [(1, "import_reader"),
                                                     (2, "prepare_reader"),
                                                     (None, "prepare_reader")])
def test_a_child_for_one_document_skips_the_warm_up_read(
        monkeypatch: pytest.MonkeyPatch, documents: int | None, expected: str) -> None:
    """Its one document warms it up as much; children forked for many share the read."""
    seen: list[tuple[object, int | None]] = []

    class Pool:
        def warm(self, start_up: object, *, count: int | None) -> None:
            seen.append((start_up, count))

    monkeypatch.setattr(reader_start, "shared_worker", Pool)
    reader_start.start_reader(documents)
    assert seen == [(ByName("liasse.extract.cascade", expected), documents)]
