"""The outbox: intents to call the outside world, each recorded once per key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from liasse.store.db import insert_many_unless_present, insert_unless_present
from liasse.store.repo import BoundRepo, NotFound
from liasse.store.tables import OutboxItem, new_id, utcnow


class OutboxRepo(BoundRepo):
    """One workspace's outbox items, their claims and releases."""

    def enqueue_outbox(
        self, kind: str, idempotency_key: str, payload: dict[str, Any],
        document_id: str | None = None,
    ) -> tuple[OutboxItem, bool]:
        """Record an intent once per key; the second call (even a concurrent one in another
        transaction) returns the first intent."""
        created = insert_unless_present(self.session, OutboxItem, {
            "id": new_id(), "workspace_id": self.workspace_id, "kind": kind,
            "idempotency_key": idempotency_key, "payload": payload,
            "document_id": document_id, "status": "pending", "attempts": 0,
            "created_at": utcnow(),
        }, unique=["workspace_id", "idempotency_key"])
        return self.outbox_item_by_key(idempotency_key), created

    def enqueue_outbox_many(self, kind: str,
                            intents: Sequence[tuple[str, dict[str, Any], str | None]]
                            ) -> set[str]:
        """`enqueue_outbox` for many (key, payload, document id) in one statement: the keys
        recorded now (the others had their intent already, or got it meanwhile). They are
        sent in the order given (`outbox_ready` goes by `created_at`, a microsecond apart)."""
        now = utcnow()
        taken = insert_many_unless_present(self.session, OutboxItem, [{
            "id": new_id(), "workspace_id": self.workspace_id, "kind": kind,
            "idempotency_key": key, "payload": payload, "document_id": document_id,
            "status": "pending", "attempts": 0,
            "created_at": now + timedelta(microseconds=index),
        } for index, (key, payload, document_id) in enumerate(intents)],
            unique=["workspace_id", "idempotency_key"])
        return {str(key) for _, key in taken}

    def outbox_item_by_key(self, idempotency_key: str) -> OutboxItem:
        item = self.session.scalars(
            select(OutboxItem).where(
                OutboxItem.workspace_id == self.workspace_id,
                OutboxItem.idempotency_key == idempotency_key,
            )
        ).first()
        if item is None:
            raise NotFound(f"outbox item {idempotency_key}")
        return item

    def outbox_items_by_keys(self, idempotency_keys: Sequence[str]) -> dict[str, OutboxItem]:
        """The intents of these keys, by key, in one statement (a batch's bookkeeping)."""
        return {item.idempotency_key: item for item in self.session.scalars(
            select(OutboxItem).where(OutboxItem.workspace_id == self.workspace_id,
                                     OutboxItem.idempotency_key.in_(list(idempotency_keys))))}

    def get_outbox_item(self, item_id: str) -> OutboxItem:
        return self._one(OutboxItem, item_id)

    def outbox_ready(self, now: datetime, kind: str | None = None, limit: int = 100, *,
                     owner: str | None = None) -> Sequence[OutboxItem]:
        """Pending items that are due: never tried, backoff elapsed, lease run out, or
        claimed by `owner` itself (a restarted process takes its own claims back)."""
        due = [OutboxItem.next_attempt_at.is_(None), OutboxItem.next_attempt_at <= now]
        if owner is not None:
            due.append(OutboxItem.claim_owner == owner)
        query = select(OutboxItem).where(
            OutboxItem.workspace_id == self.workspace_id,
            OutboxItem.status == "pending",
            or_(*due),
        )
        if kind:
            query = query.where(OutboxItem.kind == kind)
        return self.session.scalars(query.order_by(OutboxItem.created_at).limit(limit)).all()

    def list_outbox(self, status: str | None = None, limit: int = 200) -> Sequence[OutboxItem]:
        query = select(OutboxItem).where(OutboxItem.workspace_id == self.workspace_id)
        if status:
            query = query.where(OutboxItem.status == status)
        return self.session.scalars(query.order_by(OutboxItem.created_at).limit(limit)).all()

    def claim_outbox_item(self, item_id: str, now: datetime, *, owner: str,
                          until: datetime) -> bool:
        """Take a due item for one attempt, leased to `owner` until `until`: nobody else can
        take it before the lease runs out. The attempt is counted before the call, so a
        crash mid-call is visible as an attempt. False if someone else holds it or it is
        no longer pending."""
        result = self.session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.workspace_id == self.workspace_id,
                OutboxItem.id == item_id,
                OutboxItem.status == "pending",
                or_(OutboxItem.next_attempt_at.is_(None), OutboxItem.next_attempt_at <= now,
                    OutboxItem.claim_owner == owner),
            )
            .values(attempts=OutboxItem.attempts + 1, next_attempt_at=until,
                    claim_owner=owner)
            .execution_options(synchronize_session="fetch")
        )
        return bool(getattr(result, "rowcount", 0))

    def claim_outbox_items(self, item_ids: Sequence[str], now: datetime, *, owner: str,
                           until: datetime) -> set[str]:
        """`claim_outbox_item` for many items in one statement: the ids this call claimed."""
        if not item_ids:
            return set()
        return set(self.session.scalars(
            update(OutboxItem)
            .where(
                OutboxItem.workspace_id == self.workspace_id,
                OutboxItem.id.in_(list(item_ids)),
                OutboxItem.status == "pending",
                or_(OutboxItem.next_attempt_at.is_(None), OutboxItem.next_attempt_at <= now,
                    OutboxItem.claim_owner == owner),
            )
            .values(attempts=OutboxItem.attempts + 1, next_attempt_at=until,
                    claim_owner=owner)
            .returning(OutboxItem.id)
            .execution_options(synchronize_session="fetch")
        ).all())

    def release_outbox_item(self, item_id: str, next_attempt_at: datetime | None) -> None:
        """End the attempt in flight: the item is due again at `next_attempt_at`."""
        item = self.get_outbox_item(item_id)
        item.claim_owner = None
        item.next_attempt_at = next_attempt_at

