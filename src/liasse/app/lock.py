"""One `liasse run` per home: a lock file held for the service's lifetime."""

from __future__ import annotations

import fcntl
from typing import IO

from liasse.app.settings import Settings


class ServiceAlreadyRunning(RuntimeError):
    pass


def service_is_running(settings: Settings) -> bool:
    """Whether a `liasse run` holds this home's service lock right now."""
    lock = settings.home / "run.lock"
    if not lock.is_file():
        return False
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def hold_service_lock(settings: Settings) -> IO[str]:
    """One `liasse run` per home: a second one would share the window leases' owner id."""
    settings.home.mkdir(parents=True, exist_ok=True)
    handle = (settings.home / "run.lock").open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise ServiceAlreadyRunning(
            f"another `liasse run` is using {settings.home}: stop it first"
        ) from exc
    return handle
