"""A reader child that imports the reader once and forks its ready siblings from itself.

Every reader child is a fresh interpreter (`extract.worker`), and its imports (pdfium,
the field reader and its model) cost more CPU than reading several documents. A batch
that uses two children paid them twice. The zygote is such a fresh interpreter: it runs
the warm-up once (named on its command line, `ByName`, or sent by the parent), then,
asked by the parent, forks a child that serves requests exactly as a spawned one does,
on pipes the parent made and handed over (`socket.send_fds`), in a session of its own,
under the same memory limit. Forking is safe
because the zygote only forks while it has a single thread: it never runs a document
itself, and the warm-up keeps numerical libraries to one thread; a zygote with a second
thread refuses, and the parent starts a fresh interpreter instead.

The parent keeps what killing on timeout needs: each forked child's pid, a pidfd to wait
for it, and its process group to kill. The zygote leaves a dead child unreaped (a zombie
keeps its pid from being reused) until the parent has killed the group and says so.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

_HEADER_BYTES = 8
_FORK, _REAP = b"F", b"R"
# How long the parent waits for the zygote to fork a child, or to finish its warm-up.
FORK_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class ByName:
    """A module-level function given by its module's and its own name, called with one
    argument. A zygote started with one (`Zygote(start_up=...)`) runs it as soon as it is
    up, before the parent has imported that module: the two interpreters then import side
    by side on two cores, where sending the function itself would make the zygote wait for
    the parent's imports. Picklable, so that a fresh interpreter can run it too."""

    module: str
    function: str

    def __call__(self, argument: object) -> object:
        return getattr(importlib.import_module(self.module), self.function)(argument)

    @property
    def name(self) -> str:
        return f"{self.module}:{self.function}"

    @classmethod
    def parse(cls, name: str) -> ByName:
        module, _, function = name.partition(":")
        return cls(module, function)


def zygotes_work() -> bool:
    """Forking children needs Linux's pidfds and descriptor passing over a socket."""
    return all(hasattr(module, name) for module, name in (
        (os, "fork"), (os, "pidfd_open"), (signal, "pidfd_send_signal"), (socket, "send_fds")))


class ForkedChild:
    """A child forked by the zygote, with what `IsolatedWorker` uses of a `Popen`."""

    def __init__(self, zygote: Zygote, pid: int, stdin: IO[bytes], stdout: IO[bytes]) -> None:
        self.pid, self.stdin, self.stdout = pid, stdin, stdout
        self._zygote = zygote
        # Opened while the zygote still holds the child (alive or a zombie): the pidfd
        # names this process and no other, whatever happens to its pid later.
        self._pidfd = os.pidfd_open(pid)

    def poll(self) -> int | None:
        """None while the child runs; a non-None value once it has ended."""
        if self._pidfd < 0:
            return -1
        ready, _, _ = select.select([self._pidfd], [], [], 0)
        return -1 if ready else None

    def kill(self) -> None:
        if self._pidfd >= 0:
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)

    def wait(self, timeout: float) -> None:
        """Wait for the child's end, then let the zygote reap it."""
        if self._pidfd < 0:
            return
        select.select([self._pidfd], [], [], timeout)
        os.close(self._pidfd)
        self._pidfd = -1
        self._zygote.reap(self.pid)


class Zygote:
    """The parent's handle on one zygote process; thread-safe; `fork` None when it cannot."""

    def __init__(self, *, memory_limit_bytes: int | None, seconds: float = FORK_SECONDS,
                 start_up: ByName | None = None) -> None:
        """Start the zygote; with `start_up`, it runs `start_up(None)` at once, and
        `prepare(start_up)` only waits for it to be done."""
        self._lock = threading.Lock()
        self._start_up = start_up
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        environment = dict(os.environ)
        if memory_limit_bytes is not None:
            environment["LIASSE_WORKER_MEMORY_LIMIT"] = str(memory_limit_bytes)
        # One thread for numerical libraries: a library's thread pool would stop the
        # zygote from forking (and each child reads one document at a time anyway).
        environment.setdefault("OPENBLAS_NUM_THREADS", "1")
        environment.setdefault("OMP_NUM_THREADS", "1")
        self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-m", "liasse.extract.zygote", str(theirs.fileno()),
             *([start_up.name] if start_up is not None else [])],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=environment,
            pass_fds=(theirs.fileno(),), close_fds=True, start_new_session=True)
        theirs.close()
        ours.settimeout(seconds)
        self._socket = ours

    def prepare(self, prepare: Callable[[Any], object], argument: object = None) -> bool:
        """Run the warm-up `prepare(argument)` in the zygote; False (and the zygote
        stopped) when it failed. A zygote given its `start_up` runs that one only: then
        this waits for it, and refuses any other warm-up."""
        with self._lock:
            try:
                if self._start_up is None:
                    data = pickle.dumps((prepare, argument), protocol=pickle.HIGHEST_PROTOCOL)
                    self._socket.sendall(len(data).to_bytes(_HEADER_BYTES, "big") + data)
                elif (prepare, argument) != (self._start_up, None):
                    raise OSError("this zygote runs its own start-up")
                if _receive_exactly(self._socket, 1) == b"1":
                    return True
            except OSError:
                pass
            self._stop()
            return False

    def fork(self) -> ForkedChild | None:
        """A ready child, or None when the zygote is gone or refuses (it has threads)."""
        requests_read, requests_write = os.pipe()
        replies_read, replies_write = os.pipe()
        try:
            with self._lock:
                if self._process is None:
                    return None
                try:
                    socket.send_fds(self._socket, [_FORK], [requests_read, replies_write])
                    pid = int.from_bytes(_receive_exactly(self._socket, _HEADER_BYTES), "big")
                    child = ForkedChild(self, pid, os.fdopen(requests_write, "wb"),
                                        os.fdopen(replies_read, "rb")) if pid else None
                except OSError:
                    self._stop()
                    child = None
        finally:
            os.close(requests_read)
            os.close(replies_write)
        if child is None:
            for descriptor in (requests_write, replies_read):
                _close_quietly(descriptor)
        return child

    def reap(self, pid: int) -> None:
        with self._lock:
            if self._process is None:
                return
            try:
                self._socket.sendall(_REAP + pid.to_bytes(_HEADER_BYTES, "big"))
            except OSError:
                self._stop()

    def close(self) -> None:
        """Let the zygote reap its last children and end (so that their CPU time is
        accounted to it, and to us), killing it if it does not."""
        with self._lock:
            self._stop(graceful=True)

    def _stop(self, *, graceful: bool = False) -> None:
        process, self._process = self._process, None
        self._socket.close()
        if process is None:
            return
        if graceful and _ended_within(process, seconds=5.0):
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
        process.wait(timeout=5)


def _ended_within(process: subprocess.Popen[bytes], *, seconds: float) -> bool:
    """Whether `process` ends within `seconds` (then reaped). Waited for on a pidfd, which
    wakes the moment it ends: `Popen.wait(timeout=...)` polls, with sleeps that double up to
    50 ms, and so ended every batch up to 15 ms after the zygote did."""
    if process.poll() is not None:
        return True  # reaped already: its pid may name another process by now
    try:
        pidfd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # no pidfds here: `Popen.wait` polls instead
        pidfd = -1
    if pidfd >= 0:
        try:
            select.select([pidfd], [], [], seconds)
        finally:
            os.close(pidfd)
    try:
        process.wait(timeout=0 if pidfd >= 0 else seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


def _close_quietly(descriptor: int) -> None:
    with contextlib.suppress(OSError):
        os.close(descriptor)


def _receive_exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionResetError("the zygote closed its socket")
        data += chunk
    return data


# --- the zygote's side ---------------------------------------------------------------------

def _serve_zygote(control: socket.socket, start_up: str | None = None) -> None:
    """Warm up once (with `start_up`, named on the command line, or with what the parent
    sends), then fork a child per request until the parent goes away."""
    from liasse.extract.worker import _limit_memory  # local: worker imports this module

    limit = os.environ.get("LIASSE_WORKER_MEMORY_LIMIT")
    _limit_memory(int(limit) if limit else None)
    prepare: Callable[[Any], object]
    if start_up is not None:
        prepare, argument = ByName.parse(start_up), None
    else:
        size = int.from_bytes(_receive_exactly(control, _HEADER_BYTES), "big")
        # Only our parent writes to this socket: unpickling it is as safe as importing
        # our code.
        prepare, argument = pickle.loads(_receive_exactly(control, size))  # noqa: S301
    try:
        prepare(argument)
    except Exception:  # the parent then starts fresh interpreters, whose errors say why
        with contextlib.suppress(OSError):
            control.sendall(b"0")
        return
    # What the warm-up made (modules, the model) is never freed: moved out of the
    # collector's sight, it is neither walked by the children's collections nor copied
    # into each child by them (the collector writes in every object it visits).
    gc.freeze()
    try:
        control.sendall(b"1")
    except OSError:  # the parent ended before its batch needed us (an XML-only batch)
        return
    while True:
        try:
            message, descriptors, _, _ = socket.recv_fds(control, 1, 2)
        except OSError:
            _reap_all()
            return
        if message == _FORK and len(descriptors) == 2:
            control.sendall(_fork_child(control, *descriptors).to_bytes(_HEADER_BYTES, "big"))
        elif message == _REAP:
            pid = int.from_bytes(_receive_exactly(control, _HEADER_BYTES), "big")
            _reap(pid)
        else:  # the parent closed the socket (or spoke nonsense): reap the rest, stop
            _reap_all()
            return


def _fork_child(control: socket.socket, requests: int, replies: int) -> int:
    """The pid of a child serving on the two pipes, or 0 when forking is not safe."""
    if not _single_threaded():
        os.close(requests)
        os.close(replies)
        return 0
    pid = os.fork()
    if pid == 0:  # the child: a session of its own, the pipes as stdin and stdout
        status = 0
        try:
            os.setsid()
            control.close()
            os.dup2(requests, 0)
            os.dup2(replies, 1)
            os.close(requests)
            os.close(replies)
            from liasse.extract.worker import _serve  # local: worker imports this module

            _serve()
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(requests)
    os.close(replies)
    return pid


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _reap_all() -> None:
    with contextlib.suppress(ChildProcessError):
        while True:
            os.waitpid(-1, 0)


def _single_threaded() -> bool:
    if threading.active_count() != 1:
        return False
    try:
        return len(list(Path("/proc/self/task").iterdir())) == 1
    except OSError:
        return False  # cannot tell: do not fork


if __name__ == "__main__":
    _serve_zygote(socket.socket(fileno=int(sys.argv[1])),
                  sys.argv[2] if len(sys.argv) > 2 else None)
    # Ended without the interpreter's teardown: the zygote has nothing to flush or close
    # (its output is /dev/null, its children reaped), and unloading the reader's modules
    # took longer than the parent's whole wait for it.
    os._exit(0)
