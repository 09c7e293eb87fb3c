"""The web app's queries: people and roles, login throttling, notifications, and read models.

`WebRepo` is bound to one workspace like the others: none of its methods can reach
another workspace's rows (`tests/web/test_web_repo.py` probes each one). Users, their
memberships and login attempts are cross-workspace by nature and live at module level.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import String, and_, cast, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from liasse.domain.states import State
from liasse.store.tables import (
    AuditEvent,
    Connection,
    Document,
    MatchRow,
    OutboxItem,
    SourceFile,
    Workspace,
    utcnow,
)
from liasse.store.tables_bank import BankTransactionRow
from liasse.store.tables_web import (
    ROLES,
    LoginAttempt,
    Membership,
    Notification,
    UsedOAuthState,
    User,
    WebSession,
)

# Documents whose amount counts as spent: accepted by a person or by the routing.
SPENT_STATES = (State.APPROVED, State.POSTED, State.MATCHED, State.FILED_BACK)
WAITING_STATES = (State.PARKED, State.BLOCKED_ON_AUTH, State.RETRY_SCHEDULED)
FAILED_FILE_STATUSES = ("fetch_failed", "vanished", "refused")
BACKLOG_FILE_STATUSES = ("discovered", "fetch_failed")


# --- users and memberships (cross-workspace) -------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(session: Session, email: str, password_hash: str) -> User:
    user = User(email=normalise_email(email), password_hash=password_hash)
    session.add(user)
    session.flush()
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalise_email(email))).first()


def get_user(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def set_membership(session: Session, user_id: str, workspace_id: str, role: str) -> Membership:
    """Give `user_id` the `role` in the workspace, replacing any role they had there."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    membership = session.scalars(
        select(Membership).where(
            Membership.user_id == user_id, Membership.workspace_id == workspace_id
        )
    ).first()
    if membership is None:
        membership = Membership(user_id=user_id, workspace_id=workspace_id, role=role)
        session.add(membership)
    membership.role = role
    session.flush()
    return membership


def remove_membership(session: Session, user_id: str, workspace_id: str) -> bool:
    removed = session.execute(delete(Membership).where(
        Membership.user_id == user_id, Membership.workspace_id == workspace_id))
    return bool(removed.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class WorkspaceAccess:
    workspace_id: str
    slug: str
    name: str
    role: str


def workspaces_of_user(session: Session, user_id: str) -> list[WorkspaceAccess]:
    """Every workspace the user belongs to, with their role there; nothing else."""
    rows = session.execute(
        select(Workspace.id, Workspace.slug, Workspace.name, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user_id)
        .order_by(Workspace.slug)
    ).all()
    return [WorkspaceAccess(str(i), str(s), str(n), str(r)) for i, s, n, r in rows]


def access_by_slug(session: Session, user_id: str, slug: str) -> WorkspaceAccess | None:
    """The user's access to the workspace `slug`, or None (whether or not it exists)."""
    for access in workspaces_of_user(session, user_id):
        if access.slug == slug:
            return access
    return None


# --- login attempts (cross-workspace) ----------------------------------------------------------


def record_login_attempt(
    session: Session, email: str, address: str, *, success: bool, at: datetime
) -> None:
    session.add(
        LoginAttempt(email=normalise_email(email), address=address[:64], success=success, at=at)
    )
    session.flush()


@dataclass(frozen=True)
class FailureCount:
    count: int
    last_at: datetime | None


@dataclass(frozen=True)
class RecentFailures:
    """Failed logins for this account from this address, and from this address overall."""

    for_account: FailureCount
    from_address: FailureCount


def recent_login_failures(
    session: Session, email: str, address: str, since: datetime
) -> RecentFailures:
    """Failed attempts since `since`; for the account, only since its last success from here."""
    email, address = normalise_email(email), address[:64]
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email == email, LoginAttempt.address == address,
            LoginAttempt.success.is_(True),
        )
    )
    account_since = max(since, last_success) if last_success else since
    return RecentFailures(
        _failures(session, account_since, LoginAttempt.email == email,
                  LoginAttempt.address == address),
        _failures(session, since, LoginAttempt.address == address),
    )


def _failures(session: Session, since: datetime, *conditions: Any) -> FailureCount:
    count, last_at = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            *conditions, LoginAttempt.success.is_(False), LoginAttempt.at > since)
    ).one()
    return FailureCount(int(count or 0), last_at)


# --- web sessions and OAuth states (cross-workspace) ----------------------------------------

# Writing last_seen_at on every request would make every page view a write.
SESSION_TOUCH_EVERY = timedelta(minutes=1)


def start_web_session(session: Session, token_hash: str, user_id: str, now: datetime) -> None:
    session.add(WebSession(token_hash=token_hash, user_id=user_id, created_at=now,
                           last_seen_at=now))
    session.flush()


def live_web_session_user(session: Session, token_hash: str, now: datetime, *,
                          idle: timedelta, lifetime: timedelta) -> str | None:
    """The user of a session still within its idle and absolute lifetimes, else None
    (and an expired session is deleted)."""
    row = session.get(WebSession, token_hash)
    if row is None:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > lifetime:
        session.delete(row)
        return None
    if now - row.last_seen_at > SESSION_TOUCH_EVERY:
        row.last_seen_at = now
    return row.user_id


def end_web_session(session: Session, token_hash: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))


def end_sessions_of_user(session: Session, user_id: str) -> int:
    """Log the user out everywhere (password changed, role removed)."""
    ended = session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return int(ended.rowcount or 0)  # type: ignore[attr-defined]


def purge_expired_web_sessions(session: Session, now: datetime, *, idle: timedelta,
                               lifetime: timedelta) -> None:
    session.execute(delete(WebSession).where(or_(WebSession.last_seen_at < now - idle,
                                                 WebSession.created_at < now - lifetime)))


def consume_oauth_state(session: Session, state_hash: str, now: datetime,
                        keep: timedelta) -> bool:
    """True the first time a flow's state is used, False for a replay. States older than
    `keep` (the flow cookie's lifetime, after which it is refused anyway) are forgotten."""
    session.execute(delete(UsedOAuthState).where(UsedOAuthState.used_at < now - keep))
    try:
        with session.begin_nested():  # two callbacks at once: the second insert fails
            session.add(UsedOAuthState(state_hash=state_hash, used_at=now))
    except IntegrityError:
        return False
    return True


# --- document search ---------------------------------------------------------------------------

SortKey = Literal["updated", "created", "supplier", "total", "confidence", "issue_date", "state"]
SORT_COLUMNS: dict[str, Any] = {
    "updated": Document.updated_at,
    "created": Document.created_at,
    "supplier": Document.supplier_name,
    "total": Document.total_minor,
    "confidence": Document.confidence,
    "issue_date": Document.issue_date,
    "state": Document.state,
}


@dataclass(frozen=True)
class DocumentQuery:
    """Filters of the documents page; every one is optional. Dates are YYYY-MM-DD."""

    text: str = ""
    supplier: str = ""
    states: tuple[str, ...] = ()
    min_total_minor: int | None = None
    max_total_minor: int | None = None
    issued_from: str = ""
    issued_to: str = ""
    ids: tuple[str, ...] = ()
    sort: str = "updated"
    descending: bool = True
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class DocumentPage:
    rows: Sequence[Document]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _like(term: str) -> str:
    escaped = term.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def _text_condition(term: str) -> ColumnElement[bool]:
    """The term in the file name, the main columns, or anywhere in the extraction JSON.

    The JSON is stored with non-ASCII escaped, so the term is escaped the same way.
    """
    in_json = json.dumps(term)[1:-1]
    return or_(
        Document.file_name.ilike(_like(term), escape="!"),
        Document.supplier_name.ilike(_like(term), escape="!"),
        Document.invoice_number.ilike(_like(term), escape="!"),
        cast(Document.extraction, String).ilike(_like(in_json), escape="!"),
        Document.text.ilike(_like(term), escape="!"),
    )


# --- read models for the status page and the dashboard -----------------------------------------


@dataclass(frozen=True)
class SpendLine:
    label: str
    currency: str
    total_minor: int
    documents: int


@dataclass(frozen=True)
class RouteCounts:
    approved: int = 0
    review: int = 0
    refused: int = 0

    @property
    def routed(self) -> int:
        return self.approved + self.review + self.refused

    @property
    def automatic_rate(self) -> float | None:
        return self.approved / self.routed if self.routed else None


@dataclass(frozen=True)
class ConnectionHealth:
    connection: Connection
    backlog: int
    failed_files: Sequence[SourceFile] = field(default_factory=tuple)


class WebRepo:
    """The web's reads and writes within one workspace."""

    def __init__(self, session: Session, workspace_id: str) -> None:
        self.session = session
        self.workspace_id = workspace_id

    def _documents(self) -> Any:
        return select(Document).where(Document.workspace_id == self.workspace_id)

    # --- documents ------------------------------------------------------------------------

    def search_documents(self, query: DocumentQuery) -> DocumentPage:
        statement = self._documents()
        for condition in self._conditions(query):
            statement = statement.where(condition)
        total = self.session.scalar(
            select(func.count()).select_from(statement.order_by(None).subquery())
        )
        column = SORT_COLUMNS.get(query.sort, Document.updated_at)
        order = column.desc() if query.descending else column.asc()
        page = max(1, query.page)
        rows = self.session.scalars(
            statement.order_by(order, Document.id)
            .limit(query.per_page)
            .offset((page - 1) * query.per_page)
        ).all()
        return DocumentPage(rows, int(total or 0), page, query.per_page)

    @staticmethod
    def _conditions(query: DocumentQuery) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if query.text.strip():
            conditions.append(_text_condition(query.text.strip()))
        if query.supplier.strip():
            conditions.append(
                Document.supplier_name.ilike(_like(query.supplier.strip()), escape="!")
            )
        if query.states:
            conditions.append(Document.state.in_(query.states))
        if query.min_total_minor is not None:
            conditions.append(Document.total_minor >= query.min_total_minor)
        if query.max_total_minor is not None:
            conditions.append(Document.total_minor <= query.max_total_minor)
        if query.issued_from:
            conditions.append(Document.issue_date >= query.issued_from)
        if query.issued_to:
            conditions.append(Document.issue_date <= query.issued_to)
        if query.ids:
            conditions.append(Document.id.in_(query.ids))
        return conditions

    def review_queue(self, limit: int = 200) -> Sequence[Document]:
        """What waits for a person, least sure first (the likeliest to need a fix)."""
        return self.session.scalars(
            self._documents()
            .where(Document.state == State.IN_REVIEW.value)
            .order_by(Document.confidence.asc().nulls_first(), Document.created_at, Document.id)
            .limit(limit)
        ).all()

    def count_in_review(self) -> int:
        return int(
            self.session.scalar(
                select(func.count()).where(
                    Document.workspace_id == self.workspace_id,
                    Document.state == State.IN_REVIEW.value,
                )
            )
            or 0
        )

    def documents_in(self, states: Sequence[State], limit: int = 500) -> Sequence[Document]:
        return self.session.scalars(
            self._documents()
            .where(Document.state.in_([state.value for state in states]))
            .order_by(Document.updated_at.desc(), Document.id)
            .limit(limit)
        ).all()

    def waiting_documents(self) -> Sequence[Document]:
        """Every parked, blocked or retrying document: none is ever hidden (no limit)."""
        return self.session.scalars(
            self._documents()
            .where(Document.state.in_([state.value for state in WAITING_STATES]))
            .order_by(Document.updated_at.desc(), Document.id)
        ).all()

    def supplier_names(self) -> list[str]:
        names = self.session.scalars(
            select(Document.supplier_name)
            .where(Document.workspace_id == self.workspace_id, Document.supplier_name.is_not(None))
            .distinct()
        ).all()
        return sorted(str(name) for name in names)

    # --- outbox and connections -------------------------------------------------------------

    def parked_outbox(self) -> Sequence[OutboxItem]:
        return self.session.scalars(
            select(OutboxItem)
            .where(OutboxItem.workspace_id == self.workspace_id, OutboxItem.status == "parked")
            .order_by(OutboxItem.created_at)
        ).all()

    def pending_outbox_count(self) -> int:
        return int(
            self.session.scalar(
                select(func.count()).where(
                    OutboxItem.workspace_id == self.workspace_id, OutboxItem.status == "pending"
                )
            )
            or 0
        )

    def connection_health(self) -> list[ConnectionHealth]:
        """Each connection with its backlog of files not yet fetched and its failed files."""
        connections = self.session.scalars(
            select(Connection)
            .where(Connection.workspace_id == self.workspace_id)
            .order_by(Connection.created_at)
        ).all()
        backlog = dict(
            self.session.execute(
                select(SourceFile.connection_id, func.count())
                .where(
                    SourceFile.workspace_id == self.workspace_id,
                    SourceFile.status.in_(BACKLOG_FILE_STATUSES),
                )
                .group_by(SourceFile.connection_id)
            ).all()
        )
        failed = self.session.scalars(
            select(SourceFile)
            .where(
                SourceFile.workspace_id == self.workspace_id,
                SourceFile.status.in_(FAILED_FILE_STATUSES),
            )
            .order_by(SourceFile.seen_at)
        ).all()
        return [
            ConnectionHealth(
                c, int(backlog.get(c.id, 0)), [f for f in failed if f.connection_id == c.id]
            )
            for c in connections
        ]

    # --- dashboard --------------------------------------------------------------------------

    def counts_by_state(self) -> dict[str, int]:
        rows = self.session.execute(
            select(Document.state, func.count())
            .where(Document.workspace_id == self.workspace_id)
            .group_by(Document.state)
        ).all()
        return {str(state): int(count) for state, count in rows}

    def route_counts(self, since: datetime | None = None) -> RouteCounts:
        """How the routing step decided, from its audit events (each document routed once)."""
        statement = select(AuditEvent.after, func.count()).where(
            AuditEvent.workspace_id == self.workspace_id, AuditEvent.actor == "step:route"
        )
        if since is not None:
            statement = statement.where(AuditEvent.at >= since)
        counts = dict(self.session.execute(statement.group_by(AuditEvent.after)).all())
        return RouteCounts(
            approved=int(counts.get(State.APPROVED.value, 0)),
            review=int(counts.get(State.IN_REVIEW.value, 0)),
            refused=int(counts.get(State.REFUSED.value, 0)),
        )

    def spend_by_supplier(
        self, issued_from: str, issued_to: str, supplier: str | None = None
    ) -> list[SpendLine]:
        """Accepted spend per supplier and currency, invoices issued within the dates."""
        statement = select(
            Document.supplier_name, Document.currency, func.sum(Document.total_minor), func.count()
        ).where(
            Document.workspace_id == self.workspace_id,
            Document.state.in_([state.value for state in SPENT_STATES]),
            Document.total_minor.is_not(None),
            Document.issue_date >= issued_from,
            Document.issue_date <= issued_to,
        )
        if supplier is not None:
            statement = statement.where(Document.supplier_name == supplier)
        rows = self.session.execute(
            statement.group_by(Document.supplier_name, Document.currency)
        ).all()
        lines = [
            SpendLine(str(name or "?"), str(currency or "EUR"), int(total or 0), int(count))
            for name, currency, total, count in rows
        ]
        return sorted(lines, key=lambda line: (-line.total_minor, line.label))

    def spend_by_account(self, issued_from: str, issued_to: str) -> list[SpendLine]:
        """Accepted spend per ledger account and currency (label "" for no account yet)."""
        rows = self.session.execute(
            select(Document.ledger_account, Document.currency, func.sum(Document.total_minor),
                   func.count())
            .where(
                Document.workspace_id == self.workspace_id,
                Document.state.in_([state.value for state in SPENT_STATES]),
                Document.total_minor.is_not(None),
                Document.issue_date >= issued_from,
                Document.issue_date <= issued_to,
            )
            .group_by(Document.ledger_account, Document.currency)
        ).all()
        lines = [
            SpendLine(str(account or ""), str(currency or "EUR"), int(total or 0), int(count))
            for account, currency, total, count in rows
        ]
        return sorted(lines, key=lambda line: (-line.total_minor, line.label))

    def documents_spent(self, issued_from: str, issued_to: str, supplier: str | None = None
                        ) -> Sequence[Document]:
        statement = self._documents().where(
            Document.state.in_([state.value for state in SPENT_STATES]),
            Document.issue_date >= issued_from,
            Document.issue_date <= issued_to,
        )
        if supplier is not None:
            statement = statement.where(Document.supplier_name == supplier)
        return self.session.scalars(statement.order_by(Document.issue_date, Document.id)).all()

    def documents_paid(self, paid_from: str, paid_to: str, supplier: str | None = None
                       ) -> list[tuple[Document, str]]:
        """Accepted documents paid within the dates, each with its payment date.

        The payment date is the booking day of the last bank debit linked to the document as
        its payment (a part payment is paid when its last part is), so a document counts once.
        """
        links = self.session.execute(
            select(MatchRow.document_ids, BankTransactionRow.settled_at,
                   BankTransactionRow.emitted_at)
            .join(BankTransactionRow, and_(
                BankTransactionRow.workspace_id == MatchRow.workspace_id,
                BankTransactionRow.remote_id == MatchRow.transaction_id))
            .where(MatchRow.workspace_id == self.workspace_id, MatchRow.status == "linked",
                   MatchRow.kind == "payment")
        ).all()
        paid_on: dict[str, str] = {}
        for document_ids, settled_at, emitted_at in links:
            day = (settled_at or emitted_at).date().isoformat()
            for document_id in document_ids:
                paid_on[document_id] = max(day, paid_on.get(document_id, day))
        wanted = [key for key, day in paid_on.items() if paid_from <= day <= paid_to]
        statement = self._documents().where(
            Document.id.in_(wanted), Document.state.in_([state.value for state in SPENT_STATES]))
        if supplier is not None:
            statement = statement.where(Document.supplier_name == supplier)
        documents = self.session.scalars(statement).all()
        return sorted(((document, paid_on[document.id]) for document in documents),
                      key=lambda pair: (pair[1], pair[0].id))

    # --- members and notifications ----------------------------------------------------------

    def members(self) -> list[tuple[User, str]]:
        rows = self.session.execute(
            select(User, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.workspace_id == self.workspace_id)
            .order_by(User.email)
        ).all()
        return [(user, str(role)) for user, role in rows]

    def owner_emails(self) -> list[str]:
        return [user.email for user, role in self.members() if role == "owner" and user.active]

    def add_notification_once(
        self, key: str, *, kind: str, subject: str, body: str, link: str
    ) -> Notification | None:
        """Record the notification unless one with `key` exists; None when it already did."""
        exists = self.session.scalar(
            select(Notification.id).where(
                Notification.workspace_id == self.workspace_id, Notification.key == key
            )
        )
        if exists is not None:
            return None
        notification = Notification(
            workspace_id=self.workspace_id, key=key, kind=kind, subject=subject, body=body,
            link=link,
        )
        self.session.add(notification)
        self.session.flush()
        return notification

    def notifications(self, limit: int = 50) -> Sequence[Notification]:
        return self.session.scalars(
            select(Notification)
            .where(Notification.workspace_id == self.workspace_id)
            .order_by(Notification.created_at.desc(), Notification.id)
            .limit(limit)
        ).all()

    def unread_notifications(self) -> int:
        return int(
            self.session.scalar(
                select(func.count()).where(
                    Notification.workspace_id == self.workspace_id,
                    Notification.read_at.is_(None),
                )
            )
            or 0
        )

    def mark_notifications_read(self, at: datetime | None = None) -> None:
        self.session.execute(
            update(Notification)
            .where(Notification.workspace_id == self.workspace_id, Notification.read_at.is_(None))
            .values(read_at=at or utcnow())
        )

    def mark_emailed(self, notification_ids: Sequence[str]) -> None:
        self.session.execute(
            update(Notification)
            .where(
                Notification.workspace_id == self.workspace_id,
                Notification.id.in_(notification_ids),
            )
            .values(emailed=True)
        )
