"""Send the recorded "attach this confirmation to its bank line" intents to Qonto."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from liasse.connectors.qonto.client import QontoClient
from liasse.connectors.qonto.errors import NeedsReconnect, QontoError, TransientFailure
from liasse.store.blobs import BlobStore
from liasse.store.repo import WorkspaceRepo
from liasse.sync.matching import OUTBOX_QONTO_ATTACH
from liasse.sync.pipeline import RetryPolicy
from liasse.sync.steps import sniff_media_type


def drain_attachments(sessions: sessionmaker[Session], workspace_id: str, blobs: BlobStore,
                      client: QontoClient, clock: Callable[[], datetime],
                      retry: RetryPolicy | None = None) -> int:
    """Attach every due confirmation; returns how many were attached. The idempotency key
    makes a re-send after a crash harmless."""
    retry = retry or RetryPolicy()
    with sessions.begin() as session:
        items = [(item.id, item.idempotency_key, dict(item.payload)) for item in
                 WorkspaceRepo(session, workspace_id).outbox_ready(clock(), OUTBOX_QONTO_ATTACH)]
    attached = 0
    for item_id, key, payload in items:
        with sessions.begin() as session:
            WorkspaceRepo(session, workspace_id).claim_outbox_item(item_id, clock())
        content = blobs.read_bytes(str(payload["sha256"]))
        try:
            client.attach_to_transaction(str(payload["transaction_id"]),
                                         str(payload["file_name"]), content, key,
                                         sniff_media_type(content[:64]))
        except NeedsReconnect:
            raise
        except QontoError as exc:
            _failed(sessions, workspace_id, item_id, exc, clock(), retry)
            continue
        with sessions.begin() as session:
            item = WorkspaceRepo(session, workspace_id).get_outbox_item(item_id)
            item.status, item.done_at = "done", clock()
        attached += 1
    return attached


def _failed(sessions: sessionmaker[Session], workspace_id: str, item_id: str, error: QontoError,
            now: datetime, retry: RetryPolicy) -> None:
    with sessions.begin() as session:
        repo = WorkspaceRepo(session, workspace_id)
        item = repo.get_outbox_item(item_id)
        item.last_error = str(error)
        transient = isinstance(error, TransientFailure) and item.attempts < retry.max_attempts
        if transient:
            item.next_attempt_at = now + timedelta(seconds=retry.delay(item.attempts))
        else:
            item.status = "parked"
        repo.add_audit("document", item.document_id or "", actor="step:attach",
                       reason=f"attaching the confirmation failed: {error}",
                       details={"outbox_id": item_id, "parked": not transient})
