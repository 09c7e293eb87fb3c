"""A post job runs one pass and queues no other: approvals made meanwhile queue the next
post job, or hold the waiting one until they commit (tests/jobs/test_queue_pg.py). A pass
that posted something queued another "in case", an empty pass after the last approvals."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import pytest

from liasse.app.jobs import tasks
from liasse.sync.steps import WindowCounts


class Sink:
    def __init__(self) -> None:
        self.posts = 0

    def documents_fetched(self, session: object, document_ids: list[str]) -> None:
        raise AssertionError("a post job fetches nothing")

    def documents_to_post(self, session: object) -> None:
        self.posts += 1


class Pipelines:
    class _Pipeline:
        class sessions:  # noqa: N801 (stands for a sessionmaker)
            @staticmethod
            def begin() -> Any:
                return nullcontext(object())

    def get(self, slug: str, *, owner: str, jobs: object) -> Any:
        return self._Pipeline()


@pytest.mark.parametrize(("posted", "queued"), [(3, 0), (0, 0)])
def test_a_pass_queues_no_next_one(monkeypatch: pytest.MonkeyPatch,
                                                posted: int, queued: int) -> None:
    passes: list[int] = []

    def one_pass(pipeline: object, counts: WindowCounts) -> None:
        passes.append(1)
        counts.posted += posted

    monkeypatch.setattr(tasks, "post_and_write_back", one_pass)
    sink = Sink()
    result = tasks.post_job(Pipelines(), sink, "acme", owner="job:1")  # type: ignore[arg-type]
    assert (len(passes), sink.posts, result["posted"]) == (1, queued, posted)
