"""Fixtures of the security tests: the web tests' world (real pipeline, real app)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))

from webworld import World, make_world

from liasse.app.settings import Settings


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    world = make_world(settings)
    yield world
    world.services.close()
