"""One sync window: collect, read, decide, then write outside at the end, through the outbox."""

from __future__ import annotations

from liasse.sync import matching, posting, steps, writeback
from liasse.sync.errors import NeedsReconnect
from liasse.sync.pipeline import Pipeline
from liasse.sync.steps import WindowCounts


def run_window(pipeline: Pipeline) -> WindowCounts:
    """Run every step once for the workspace; each step picks up only what is in its state."""
    counts = WindowCounts()
    steps.resume_due_retries(pipeline)
    for connection_id in pipeline.sources:
        try:
            steps.intake(pipeline, connection_id, counts)
        except NeedsReconnect:
            counts.failed += 1
    steps.fetch(pipeline, counts)
    steps.extract(pipeline, counts)
    steps.enrich_and_route(pipeline, counts)
    _hold_already_paid(pipeline, counts)
    # Outside writes happen last, after the whole batch has been read and ranked.
    posting.record_post_intents(pipeline, counts)
    posting.drain_post_outbox(pipeline, counts)
    writeback.write_back(pipeline, counts)
    return counts


def _hold_already_paid(pipeline: Pipeline, counts: WindowCounts) -> None:
    """A document the bank already shows paid goes back to review instead of being posted."""
    report = matching.hold_already_paid(pipeline.sessions, pipeline.context, pipeline.clock)
    if report is not None and report.held:
        counts.approved -= report.held
        counts.review += report.held
