"""Attack 5: the database (password hashes, every invoice), its WAL and SHM, the blobs and
the keys were readable by other local users (0644 in a 0755 home)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from liasse.app.doctor import doctor
from liasse.app.services import open_services
from liasse.app.settings import Settings
from liasse.app.setup import initialise


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # what most systems give a service: files 0644 by default
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def files_check(settings: Settings) -> tuple[bool, str, str]:
    (check,) = [check for check in doctor(settings) if check.name == "files"]
    return check.ok, check.detail, check.fix


def test_the_home_and_everything_in_it_are_private(settings: Settings) -> None:
    initialise(settings)
    services = open_services(settings)
    try:
        stored = services.blobs.put_bytes(b"%PDF-1.4 an invoice")
        with services.engine.connect() as connection:  # a live connection keeps WAL/SHM
            connection.exec_driver_sql("SELECT 1 FROM workspaces").all()
            database = settings.home / "liasse.db"
            assert mode(settings.home) == 0o700
            for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm"),
                         settings.key_file, services.blobs.path(stored.sha256)):
                assert mode(path) == 0o600, path
            assert mode(services.blobs.path(stored.sha256).parent) == 0o700
            assert files_check(settings)[0] is True
    finally:
        services.close()


def test_doctor_names_a_file_others_can_read_and_init_fixes_it(settings: Settings) -> None:
    initialise(settings)
    database = settings.home / "liasse.db"
    database.chmod(0o644)
    settings.home.chmod(0o755)
    ok, detail, fix = files_check(settings)
    assert not ok and str(database) in detail and str(settings.home) in detail
    assert fix == f"chmod -R go-rwx {settings.home}"
    initialise(settings)
    assert files_check(settings)[0] is True and mode(database) == 0o600


def test_doctor_checks_the_ocr_engine_that_is_set(settings: Settings,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """RapidOCR is the default engine: the doctor checks it loads, not that Tesseract is
    installed; with Tesseract set, it checks the program is on PATH."""
    from liasse.app.doctor import _check_ocr
    from liasse.app.settings import ExtractionSettings

    assert _check_ocr(settings, rapid_loads=lambda: True).ok
    broken = _check_ocr(settings, rapid_loads=lambda: False)
    assert not broken.ok and "RapidOCR" in broken.detail and "ocr_engine" in broken.fix
    tesseract = settings.model_copy(
        update={"extraction": ExtractionSettings(ocr_engine="tesseract")})
    monkeypatch.setenv("PATH", "/nonexistent")
    missing = _check_ocr(tesseract, rapid_loads=lambda: False)
    assert not missing.ok and "tesseract" in missing.detail
    assert missing.fix.startswith("apt-get install tesseract-ocr")
