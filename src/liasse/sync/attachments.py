"""Send the recorded "attach this confirmation to its bank line" intents to the bank."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from liasse.domain.errors import NeedsReconnect, StepFailure, TransientFailure
from liasse.domain.ports import BankFeed
from liasse.store.blobs import BlobStorage
from liasse.store.documents_repo import DocumentRepo
from liasse.store.outbox_repo import OutboxRepo
from liasse.store.views import OUTBOX_QONTO_ATTACH, AttachPayload
from liasse.sync.pipeline import CLAIM_LEASE, RetryPolicy, new_claim_owner
from liasse.sync.steps import sniff_media_type


def drain_attachments(sessions: sessionmaker[Session], workspace_id: str, blobs: BlobStorage,
                      feed: BankFeed, clock: Callable[[], datetime],
                      retry: RetryPolicy | None = None, owner: str | None = None) -> int:
    """Attach every due confirmation; returns how many were attached. The idempotency key
    makes a re-send after a crash harmless; the claim keeps two drains from sending one
    intent at once."""
    retry = retry or RetryPolicy()
    owner = owner or new_claim_owner()
    with sessions.begin() as session:
        items = [(item.id, item.idempotency_key, item.read_payload_as(AttachPayload)) for item in
                 OutboxRepo(session, workspace_id).outbox_ready(clock(), OUTBOX_QONTO_ATTACH,
                                                                   owner=owner)]
    attached = 0
    for item_id, key, payload in items:
        now = clock()
        with sessions.begin() as session:
            mine = OutboxRepo(session, workspace_id).claim_outbox_item(
                item_id, now, owner=owner, until=now + CLAIM_LEASE)
        if not mine:
            continue  # another drain is attaching it
        content = blobs.read_bytes(payload.sha256)
        try:
            feed.attach_to_transaction(payload.transaction_id, payload.file_name, content, key,
                                       sniff_media_type(content[:64]))
        except NeedsReconnect:
            with sessions.begin() as session:  # due again as soon as the bank is reconnected
                OutboxRepo(session, workspace_id).release_outbox_item(item_id, clock())
            raise
        except StepFailure as exc:
            _failed(sessions, workspace_id, item_id, exc, clock(), retry)
            continue
        with sessions.begin() as session:
            item = OutboxRepo(session, workspace_id).get_outbox_item(item_id)
            item.status, item.done_at, item.claim_owner = "done", clock(), None
        attached += 1
    return attached


def _failed(sessions: sessionmaker[Session], workspace_id: str, item_id: str, error: StepFailure,
            now: datetime, retry: RetryPolicy) -> None:
    with sessions.begin() as session:
        repo = DocumentRepo(session, workspace_id)
        outbox = OutboxRepo(session, workspace_id)
        item = outbox.get_outbox_item(item_id)
        item.last_error, item.claim_owner = str(error), None
        transient = isinstance(error, TransientFailure) and item.attempts < retry.max_attempts
        if transient:
            item.next_attempt_at = now + timedelta(seconds=retry.delay(item.attempts))
        else:
            item.status = "parked"
        repo.add_audit("document", item.document_id or "", actor="step:attach",
                       reason=f"attaching the confirmation failed: {error}",
                       details={"outbox_id": item_id, "parked": not transient})
