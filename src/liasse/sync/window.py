"""One sync window: collect, read, decide, then write outside at the end, through the outbox.

The same steps run under two executors. Without a job queue (SQLite, `sync --once`) one
window does everything in this process. With one (procrastinate on PostgreSQL) the window
only collects: each fetched document becomes a read job, each approval a post job, and
workers on any host run them (`liasse.app.jobs`)."""

from __future__ import annotations

from liasse.domain.errors import NeedsReconnect
from liasse.sync import matching, posting, steps, writeback
from liasse.sync.pipeline import Pipeline
from liasse.sync.steps import WindowCounts


def run_window(pipeline: Pipeline) -> WindowCounts:
    """Run every step once for the workspace; each step picks up only what is in its state."""
    counts = collect(pipeline)
    steps.extract(pipeline, counts)
    steps.enrich_and_route(pipeline, counts)
    post_and_write_back(pipeline, counts)
    return counts


def collect(pipeline: Pipeline) -> WindowCounts:
    """Retries that are due, then every source's changes, fetched into the blob store."""
    counts = WindowCounts()
    steps.resume_due_retries(pipeline)
    for connection_id in pipeline.sources:
        try:
            steps.intake(pipeline, connection_id, counts)
        except NeedsReconnect:
            counts.failed += 1
    steps.fetch(pipeline, counts)
    return counts


def post_and_write_back(pipeline: Pipeline, counts: WindowCounts) -> None:
    """Outside writes happen last, after the batch has been read and ranked."""
    _hold_already_paid(pipeline, counts)
    posting.record_post_intents(pipeline, counts)
    posting.drain_post_outbox(pipeline, counts)
    writeback.write_back(pipeline, counts)


def _hold_already_paid(pipeline: Pipeline, counts: WindowCounts) -> None:
    """A document the bank already shows paid goes back to review instead of being posted."""
    report = matching.hold_already_paid(pipeline.sessions, pipeline.context, pipeline.clock)
    if report is not None and report.held:
        counts.approved -= report.held
        counts.review += report.held
