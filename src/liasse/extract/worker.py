"""Run a parse in a child process with a deadline, so a hostile PDF costs an error, not a hang.

PDF parsers are C code that Python cannot interrupt: a file that makes pdfium loop would
hang a thread forever. So the cascade sends each heavy step of a document (PDF parsing,
rendering, image decoding, OCR) to a long-lived child process (started on first use as a
fresh interpreter, so that no parent threads or locks are copied) and waits at most the
step's time limit. On timeout or crash the child is killed with its whole process group
(the Tesseract programs it started included) and a fresh one starts with the next
document. The child runs under an address-space limit that its Tesseracts inherit, so a
decompression bomb fails inside the child rather than taking the server's memory; a child
that grew past `RECYCLE_AFTER_BYTES` is replaced after its answer, so the memory goes back
to the system. A small pool of children keeps several documents reading at once.
"""

from __future__ import annotations

import atexit
import gc
import os
import pickle
import queue
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

from liasse.extract.zygote import ByName, ForkedChild, Zygote, zygotes_work

A = TypeVar("A")
R = TypeVar("R")

MEMORY_LIMIT_BYTES = 2 * 1024**3
# A child whose peak resident memory passed this is restarted once it has answered. A
# child that reads receipts with RapidOCR peaks at 0.5-0.6 GB (its models 0.16 GB, the
# detector on a 1 Mpx copy, the heap trimmed after each page), a 35 Mpx photo included,
# and is kept; past this it read something bigger, whose memory is worth giving back.
RECYCLE_AFTER_BYTES = 768 * 1024**2
_HEADER_BYTES = 8
# A document's reading makes tens of thousands of objects (words, segments, candidates,
# their features), nearly all freed by their reference counts once the answer is sent:
# the collector, run after every 700 new objects by default, walked them again and again
# for nothing (0.17 ms of CPU a born-digital PDF, 0.05 ms at this threshold; the peak
# memory of 276 PDFs in a row stayed at 89-90 MB). It still frees what cycles there are.
YOUNG_OBJECTS_COLLECTED_AFTER = 20_000


class WorkerError(Exception):
    """The child could not give an answer; the message says why, for the user."""


class TimeLimitExceeded(WorkerError):
    """The child was still working when the deadline passed, and was killed."""


class IsolatedWorker:
    """One child process that runs module-level functions on picklable arguments.

    The child is `python -m liasse.extract.worker` talking pickles over its stdin/stdout:
    unlike multiprocessing's spawn, it never re-imports the parent's `__main__`, which may
    be a console script, `python -c`, or nothing at all.
    """

    def __init__(self, *, memory_limit_bytes: int | None = MEMORY_LIMIT_BYTES) -> None:
        self._memory_limit = memory_limit_bytes
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | ForkedChild | None = None
        self._zygote: Zygote | None = None

    def start_from(self, zygote: Zygote | None) -> None:
        """Start the child now, forked from `zygote` when it can (else a fresh interpreter);
        a child that later crashes, times out or is recycled is forked from it again."""
        with self._lock:
            self._zygote = zygote
            self._ensure_started()

    def run(self, function: Callable[[A], R], argument: A, *, seconds: float) -> R:
        """`function(argument)` in the child; raises `WorkerError` with the child's error."""
        with self._lock:
            process = self._ensure_started()
            assert process.stdin is not None and process.stdout is not None
            try:
                _send(process.stdin, (function, argument))
                ready, _, _ = select.select([process.stdout], [], [], seconds)
                if not ready:
                    raise TimeLimitExceeded(f"gave up after {seconds:g} s (time limit)")
                ok, payload, peak_bytes = _receive(process.stdout)
            except (EOFError, OSError, pickle.UnpicklingError) as exc:
                self._stop()
                raise WorkerError("the parser process crashed") from exc
            except TimeLimitExceeded:
                self._stop()
                raise
            if peak_bytes > RECYCLE_AFTER_BYTES:
                self._stop()  # give a big document's memory back instead of keeping it
        if not ok:
            raise WorkerError(str(payload))
        return payload  # type: ignore[no-any-return]

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _ensure_started(self) -> subprocess.Popen[bytes] | ForkedChild:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._stop()
        if self._zygote is not None:
            self._process = self._zygote.fork()
            if self._process is not None:
                return self._process
        environment = dict(os.environ)
        if self._memory_limit is not None:
            environment["LIASSE_WORKER_MEMORY_LIMIT"] = str(self._memory_limit)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "liasse.extract.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, env=environment, close_fds=True, start_new_session=True)
        return self._process

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:  # the child leads its own process group: its Tesseracts go with it
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
        process.wait(timeout=5)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


def _send(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(_HEADER_BYTES, "big") + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER_BYTES)
    if len(header) < _HEADER_BYTES:
        raise EOFError("worker closed its pipe")
    size = int.from_bytes(header, "big")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("worker closed its pipe mid-message")
    # Only our own child writes to this pipe: unpickling it is as safe as importing our code.
    return pickle.loads(data)  # noqa: S301


def _serve() -> None:
    """The child's loop: one request at a time until the parent closes the pipe."""
    limit = os.environ.get("LIASSE_WORKER_MEMORY_LIMIT")
    _limit_memory(int(limit) if limit else None)
    gc.set_threshold(YOUNG_OBJECTS_COLLECTED_AFTER, *gc.get_threshold()[1:])
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the reply pipe
    while True:
        try:
            function, argument = _receive(requests)
        except EOFError:
            return
        try:
            reply: tuple[bool, object] = (True, function(argument))
        except MemoryError:
            reply = (False, "ran out of memory while parsing (memory limit)")
        except Exception as exc:  # the parent turns any failure into an `errors` entry
            reply = (False, _message(exc))
        _send(replies, (*reply, _peak_memory_bytes()))


def _message(exc: Exception) -> str:
    """liasse's own errors are written for people; a library's keeps its type for diagnosis."""
    if type(exc).__module__.startswith("liasse."):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _peak_memory_bytes() -> int:
    """The child's own peak resident memory.

    Linux's `ru_maxrss` survives `exec`: a child started by a large parent reports the
    parent's size before any work, and would be replaced after every answer. `VmHWM` is
    the peak of this program's own address space, reset by `exec`; `ru_maxrss` is kept
    where /proc is not there.
    """
    try:
        status = Path("/proc/self/status").read_text("ascii")
    except OSError:
        status = ""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # in kB
    import resource  # local: POSIX only, and only in the child process

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux counts KiB


def _limit_memory(limit: int | None) -> None:
    if limit is None:
        return
    try:
        import resource  # local: POSIX only, and only in the child process
    except ImportError:  # pragma: no cover - not on POSIX
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class WorkerPool:
    """A few `IsolatedWorker`s: a caller takes an idle one, or waits for one to be free.

    A worker's child starts when the worker is first used, so a pool costs only the
    children its callers need: one document, one child. While some children are warming
    up (`warm`), a caller waits for one of them rather than starting another from scratch,
    which would cost a second start-up for no sooner an answer.
    """

    def __init__(self, size: int, *, memory_limit_bytes: int | None = MEMORY_LIMIT_BYTES
                 ) -> None:
        self._all = [IsolatedWorker(memory_limit_bytes=memory_limit_bytes)
                     for _ in range(max(1, size))]
        self._idle: queue.SimpleQueue[IsolatedWorker] = queue.SimpleQueue()
        self._memory_limit = memory_limit_bytes
        self._unused = list(self._all)  # never handed out: no child started yet
        self._warming = 0
        self._lock = threading.Lock()
        self._zygotes: list[Zygote] = []

    def run(self, function: Callable[[A], R], argument: A, *, seconds: float) -> R:
        worker = self._take()
        try:
            return worker.run(function, argument, seconds=seconds)
        finally:
            self._idle.put(worker)

    def _take(self) -> IsolatedWorker:
        with self._lock:
            try:
                return self._idle.get_nowait()
            except queue.Empty:
                if self._unused and not self._warming:
                    return self._unused.pop(0)
        return self._idle.get()

    def warm(self, prepare: Callable[[None], object], *, count: int | None = None,
             seconds: float = 60.0) -> None:
        """Start up to `count` children (all by default) now, in the background, each
        ready after `prepare` (its imports): a batch then pays the start-up while the
        parent starts, instead of as documents first reach them. Two children or more are
        forked from one zygote that ran `prepare` once (`extract.zygote`), so the imports
        are paid once; where that cannot be, each child is a fresh interpreter that runs
        `prepare` itself. A child that fails to warm up is started again by the first
        document it is given, whose error then says why."""
        with self._lock:
            wanted = len(self._unused) if count is None else max(0, count)
            taken, self._unused = self._unused[:wanted], self._unused[wanted:]
            self._warming += len(taken)
        if len(taken) > 1 and zygotes_work():
            threading.Thread(target=self._fork_warm, args=(prepare, taken, seconds),
                             daemon=True, name="liasse-worker-zygote").start()
            return
        for worker in taken:
            threading.Thread(target=self._spawn_warm, args=(prepare, worker, seconds),
                             daemon=True, name="liasse-worker-warm").start()

    def _fork_warm(self, prepare: Callable[[None], object], taken: list[IsolatedWorker],
                   seconds: float) -> None:
        zygote: Zygote | None = None
        try:
            zygote = Zygote(memory_limit_bytes=self._memory_limit, seconds=seconds,
                            start_up=prepare if isinstance(prepare, ByName) else None)
            if not zygote.prepare(prepare):
                zygote = None
        except OSError:
            zygote = None
        if zygote is None:  # no zygote: each child a fresh interpreter, side by side
            for worker in taken:
                threading.Thread(target=self._spawn_warm, args=(prepare, worker, seconds),
                                 daemon=True, name="liasse-worker-warm").start()
            return
        self._zygotes.append(zygote)
        for worker in taken:
            try:
                worker.start_from(zygote)
            except (OSError, subprocess.SubprocessError):
                pass  # started again by its first document
            finally:
                self._ready(worker)

    def _spawn_warm(self, prepare: Callable[[None], object], worker: IsolatedWorker,
                    seconds: float) -> None:
        try:
            worker.run(prepare, None, seconds=seconds)
        except WorkerError:
            pass
        finally:
            self._ready(worker)

    def _ready(self, worker: IsolatedWorker) -> None:
        with self._lock:
            self._warming -= 1
        self._idle.put(worker)

    def close(self) -> None:
        for worker in self._all:
            worker.close()
        for zygote in self._zygotes:
            zygote.close()


_pools: dict[str, WorkerPool] = {}
_pools_lock = threading.Lock()


def _pool(name: str, size: int) -> WorkerPool:
    with _pools_lock:
        if name not in _pools:
            _pools[name] = WorkerPool(size)
            atexit.register(_pools[name].close)
        return _pools[name]


def shared_worker() -> WorkerPool:
    """The extraction pool (one child per core, each started on first use), stopped at exit."""
    return _pool("extract", max(2, os.cpu_count() or 1))


def viewer_worker() -> WorkerPool:
    """The web viewer's own pool, so that page images never wait behind a long OCR."""
    return _pool("viewer", 2)


if __name__ == "__main__":
    _serve()
