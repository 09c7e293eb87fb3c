"""A connection's history backfill as stored: its progress in the connection's config JSON.

The progress lives under `config["backfill"]` next to `config["backfill_from"]` (the start
date the user chose), so no table is needed. Each page of the listing is committed with
the source-file rows it produced and the listing cursor that resumes after it, in one
transaction: a crash loses nothing and, since recording a file version is idempotent,
repeats nothing. Methods hand back frozen `BackfillState` snapshots, never ORM rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy.orm import Session, sessionmaker

from liasse.domain.ports import SourceEntry
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.source_files_repo import SourceFileRepo

BackfillStatus = Literal["pending", "listing", "done"]
CONFIG_FROM = "backfill_from"
CONFIG_STATE = "backfill"
CONFIG_BATCH = "backfill_batch"


@dataclass(frozen=True)
class BackfillState:
    """Progress of one connection's backfill.

    `listed` counts the files the listing reported, `kept` those modified on or after
    `since`, `recorded` the rows the backfill created (a file a normal window had already
    recorded is kept but not recorded again). `cursor` resumes the listing after a crash.
    """

    since: date
    status: BackfillStatus = "pending"
    cursor: str | None = None
    listed: int = 0
    kept: int = 0
    recorded: int = 0
    started_at: str | None = None
    finished_at: str | None = None

    @property
    def done(self) -> bool:
        return self.status == "done"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"] = self.since.isoformat()
        return data

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> BackfillState | None:
        """The stored progress, a fresh one if only a start date is set, None without one."""
        since = config.get(CONFIG_FROM)
        if not since:
            return None
        start = date.fromisoformat(str(since))
        stored = config.get(CONFIG_STATE)
        if not isinstance(stored, dict) or stored.get("since") != start.isoformat():
            return cls(since=start)  # a new start date starts the backfill over
        return cls(
            since=start, status=stored.get("status", "pending"), cursor=stored.get("cursor"),
            listed=int(stored.get("listed", 0)), kept=int(stored.get("kept", 0)),
            recorded=int(stored.get("recorded", 0)), started_at=stored.get("started_at"),
            finished_at=stored.get("finished_at"),
        )


@dataclass(frozen=True)
class PageDone:
    """What closes a listing page: its cursor and how many files it listed and kept."""

    cursor: str
    listed: int
    kept: int
    # The first page of a listing that started over (its cursor died): count from zero.
    restarted: bool = False


class BackfillStore:
    """The backfill of one connection, each method in its own short transaction."""

    def __init__(self, sessions: sessionmaker[Session], workspace_id: str,
                 connection_id: str) -> None:
        self._sessions = sessions
        self._workspace_id = workspace_id
        self.connection_id = connection_id

    def load(self) -> BackfillState | None:
        with self._sessions.begin() as session:
            return BackfillState.from_config(dict(self._connection(session).config))

    def config(self) -> dict[str, Any]:
        with self._sessions.begin() as session:
            return dict(self._connection(session).config)

    def start(self, at: datetime) -> BackfillState:
        with self._sessions.begin() as session:
            state = self._state(session)
            if state.status == "pending":
                state = replace(state, status="listing", started_at=at.isoformat())
                self._save(session, state)
            return state

    def live_cursor(self) -> str | None:
        """The cursor the normal windows resume from (None before their first listing)."""
        with self._sessions.begin() as session:
            cursor: str | None = self._connection(session).cursor
            return cursor

    def anchor_cursor(self, cursor: str, at: datetime) -> bool:
        """Let normal windows start from now; False if a window already has a cursor."""
        with self._sessions.begin() as session:
            connection = self._connection(session)
            if connection.cursor is not None:
                return False
            ConnectionRepo(session, self._workspace_id).save_cursor(self.connection_id, cursor,
                                                                   at)
            return True

    def record(self, entries: Sequence[SourceEntry], page: PageDone | None) -> BackfillState:
        """Record `entries` (idempotently); with `page`, also commit the listing past it."""
        with self._sessions.begin() as session:
            repo = SourceFileRepo(session, self._workspace_id)
            created = sum(recorded.created for recorded in
                          repo.record_source_files(self.connection_id, entries))
            state = self._state(session)
            state = replace(state, recorded=state.recorded + created)
            if page is not None:
                state = self._past_page(state, page)
            self._save(session, state)
            return state

    def finish(self, at: datetime) -> BackfillState:
        with self._sessions.begin() as session:
            state = replace(self._state(session), status="done", cursor=None,
                            finished_at=at.isoformat())
            self._save(session, state)
            return state

    def files_waiting(self, limit: int) -> int:
        """Files (of any connection) discovered but not fetched yet, counted up to `limit`."""
        with self._sessions.begin() as session:
            rows = SourceFileRepo(session, self._workspace_id).source_files_to_fetch(limit)
            return sum(1 for row in rows if row.status == "discovered")

    @staticmethod
    def _past_page(state: BackfillState, page: PageDone) -> BackfillState:
        if page.restarted:
            state = replace(state, listed=0, kept=0)
        return replace(state, cursor=page.cursor, listed=state.listed + page.listed,
                       kept=state.kept + page.kept)

    def _state(self, session: Session) -> BackfillState:
        state = BackfillState.from_config(dict(self._connection(session).config))
        if state is None:
            raise ValueError(f"connection {self.connection_id} has no backfill start date")
        return state

    def _save(self, session: Session, state: BackfillState) -> None:
        connection = self._connection(session)
        # A new dict: the JSON column only notices a replaced value, not a mutated one.
        connection.config = {**connection.config, CONFIG_STATE: state.to_json()}

    def _connection(self, session: Session) -> Any:
        return ConnectionRepo(session, self._workspace_id).get_connection(self.connection_id)
