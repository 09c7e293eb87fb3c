"""liasse's home is private: the directory 0700, the database, its WAL and SHM, the blobs
and the key files 0600. `liasse init` makes them so; `liasse doctor` reports any that a
copy, a restore or a umask made readable by other local users.

SQLite creates the -wal and -shm files with the mode of the database file, so a database
created 0600 keeps its companions private too.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from liasse.app.settings import Settings

PRIVATE_DIRECTORY = 0o700
PRIVATE_FILE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def sqlite_path(settings: Settings) -> Path | None:
    url = settings.resolved_database_url
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[-1]
    return Path(path) if path and path != ":memory:" else None


def make_home_private(settings: Settings) -> None:
    """Create the home 0700 and take group/other access off everything liasse keeps there."""
    settings.home.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIRECTORY)
    for path in private_paths(settings):
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            path.chmod(mode & ~0o077)


def loose_paths(settings: Settings) -> list[Path]:
    """Everything liasse keeps that another local user could read (or enter)."""
    return [path for path in private_paths(settings)
            if stat.S_IMODE(path.lstat().st_mode) & 0o077]


def private_paths(settings: Settings) -> Iterator[Path]:
    candidates = [settings.home, settings.key_file,
                  settings.key_file.with_name(settings.key_file.name + ".previous")]
    database = sqlite_path(settings)
    if database is not None:
        candidates += [database, *(database.with_name(database.name + suffix)
                                   for suffix in SQLITE_COMPANIONS)]
    for path in candidates:
        if path.exists() and not path.is_symlink():
            yield path
    if settings.blob_path.is_dir():
        yield settings.blob_path
        for directory, names, files in os.walk(settings.blob_path):
            for name in (*names, *files):
                yield Path(directory) / name
