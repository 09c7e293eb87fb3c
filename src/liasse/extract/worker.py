"""Run a parse in a child process with a deadline, so a hostile PDF costs an error, not a hang.

PDF parsers are C code that Python cannot interrupt: a file that makes pdfium loop would
hang a thread forever. So the cascade sends each document to one long-lived child process
(started on first use, with the `spawn` method so that no parent threads or locks are
copied) and waits at most the document's time limit. On timeout or crash the child is
killed and a fresh one starts with the next document. The child also runs under an
address-space limit, so a decompression bomb fails inside the child rather than taking
the machine's memory.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, Any, TypeVar

A = TypeVar("A")
R = TypeVar("R")

MEMORY_LIMIT_BYTES = 2 * 1024**3
_HEADER_BYTES = 8


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
        self._process: subprocess.Popen[bytes] | None = None

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
                ok, payload = _receive(process.stdout)
            except (EOFError, OSError, pickle.UnpicklingError) as exc:
                self._stop()
                raise WorkerError("the parser process crashed") from exc
            except TimeLimitExceeded:
                self._stop()
                raise
        if not ok:
            raise WorkerError(str(payload))
        return payload  # type: ignore[no-any-return]

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _ensure_started(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._stop()
        environment = dict(os.environ)
        if self._memory_limit is not None:
            environment["LIASSE_WORKER_MEMORY_LIMIT"] = str(self._memory_limit)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "liasse.extract.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, env=environment, close_fds=True)
        return self._process

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
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
            reply = (False, "ran out of memory while parsing")
        except Exception as exc:  # the parent turns any failure into an `errors` entry
            reply = (False, f"{type(exc).__name__}: {exc}")
        _send(replies, reply)


def _limit_memory(limit: int | None) -> None:
    if limit is None:
        return
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


_shared: IsolatedWorker | None = None
_shared_lock = threading.Lock()


def shared_worker() -> IsolatedWorker:
    """The process-wide worker, started on first use and stopped at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = IsolatedWorker()
            atexit.register(_shared.close)
        return _shared


if __name__ == "__main__":
    _serve()
