"""A workspace's connections (its folders and bank) and their window leases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update

from liasse.store.repo import BoundRepo, NotFound
from liasse.store.tables import Connection, Workspace


class ConnectionRepo(BoundRepo):
    """The workspace row, its connections, cursors and leases."""

    def workspace(self) -> Workspace:
        found = self.session.get(Workspace, self.workspace_id)
        if found is None:
            raise NotFound(f"workspace {self.workspace_id}")
        return found


    def add_connection(self, kind: str, name: str, config: dict[str, Any]) -> Connection:
        connection = Connection(
            workspace_id=self.workspace_id, kind=kind, name=name, config=config
        )
        self.session.add(connection)
        self.session.flush()
        return connection

    def get_connection(self, connection_id: str) -> Connection:
        return self._one(Connection, connection_id)

    def connection_by_name(self, name: str) -> Connection | None:
        return self.session.scalars(
            select(Connection).where(
                Connection.workspace_id == self.workspace_id, Connection.name == name
            )
        ).first()

    def list_connections(self) -> Sequence[Connection]:
        return self.session.scalars(
            select(Connection)
            .where(Connection.workspace_id == self.workspace_id)
            .order_by(Connection.created_at)
        ).all()

    def save_cursor(self, connection_id: str, cursor: str, at: datetime) -> None:
        connection = self.get_connection(connection_id)
        connection.cursor = cursor
        connection.last_sync_at = at

    def acquire_lease(self, connection_id: str, owner: str, now: datetime, until: datetime
                      ) -> bool:
        """Take the connection's window lease if free or expired; False if someone holds it."""
        result = self.session.execute(
            update(Connection)
            .where(
                Connection.workspace_id == self.workspace_id,
                Connection.id == connection_id,
                or_(Connection.lease_until.is_(None), Connection.lease_until < now,
                    Connection.lease_owner == owner),
            )
            .values(lease_owner=owner, lease_until=until)
        )
        return bool(getattr(result, "rowcount", 0))

    def acquire_due_lease(self, connection_id: str, owner: str, now: datetime,
                          until: datetime) -> bool:
        """Take the lease only when the connection's next window is due too: whichever
        worker runs the window job, a connection gets no more windows than its interval
        allows (a lease of ours, from a job retried after its worker died, is taken back)."""
        result = self.session.execute(
            update(Connection)
            .where(
                Connection.workspace_id == self.workspace_id,
                Connection.id == connection_id,
                or_(Connection.lease_owner == owner,
                    and_(or_(Connection.lease_until.is_(None), Connection.lease_until < now),
                         or_(Connection.next_sync_at.is_(None),
                             Connection.next_sync_at <= now))),
            )
            .values(lease_owner=owner, lease_until=until)
        )
        return bool(getattr(result, "rowcount", 0))

    def release_lease(self, connection_id: str, owner: str, next_sync_at: datetime) -> None:
        self.session.execute(
            update(Connection)
            .where(
                Connection.workspace_id == self.workspace_id,
                Connection.id == connection_id,
                Connection.lease_owner == owner,
            )
            .values(lease_owner=None, lease_until=None, next_sync_at=next_sync_at)
        )

    def connections_due(self, now: datetime, owner: str) -> Sequence[Connection]:
        """Active connections whose next window is due and whose lease is free or ours
        (a restarted process takes back the lease its crashed predecessor held)."""
        return self.session.scalars(
            select(Connection)
            .where(
                Connection.workspace_id == self.workspace_id,
                Connection.status == "active",
                or_(Connection.next_sync_at.is_(None), Connection.next_sync_at <= now,
                    Connection.lease_owner == owner),
                or_(Connection.lease_until.is_(None), Connection.lease_until < now,
                    Connection.lease_owner == owner),
            )
            .order_by(Connection.next_sync_at)
        ).all()

    def set_connection_status(self, connection_id: str, status: str, error: str | None) -> None:
        connection = self.get_connection(connection_id)
        connection.status = status
        connection.last_error = error

