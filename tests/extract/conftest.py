"""Tests that load RapidOCR in the test process give its memory back afterwards.

A worker child spawned later inherits the parent's resident size as its starting peak,
and a child whose peak passed the recycling threshold is replaced (`extract.worker`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from liasse.extract.ocr_rapid import release_engine


@pytest.fixture(autouse=True)
def _release_rapidocr() -> Iterator[None]:
    yield
    release_engine()
    gc.collect()
