"""Bank matches as people see them: candidates and alerts of a document, confirm or dismiss,
and the unmatched records (bank debits nothing explains, posted invoices not yet paid)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from liasse.app import actions
from liasse.app.wiring import is_sandbox_bank
from liasse.domain.states import State
from liasse.domain.transactions import BankTransaction
from liasse.store.repo import NotFound
from liasse.store.tables import Document, MatchRow
from liasse.web.deps import Repos, ReviewerDep, StateDep, Viewer, ViewerDep, repos
from liasse.web.views import flash_url, render, see_other

router = APIRouter(prefix="/w/{slug}")

UNMATCHED_LIMIT = 500


@dataclass(frozen=True)
class MatchView:
    """A stored match with its bank line (None if not synced) and the other documents."""

    row: MatchRow
    transaction: BankTransaction | None
    others: tuple[Document, ...]
    sandbox: bool = False  # the bank line is the built-in sandbox's made-up history

    @property
    def actionable(self) -> bool:
        return self.row.status == "proposed"

    @property
    def linkable(self) -> bool:
        return self.actionable and self.row.kind in actions.CONFIRMABLE_KINDS


def _transaction(r: Repos, transaction_id: str) -> BankTransaction | None:
    try:
        return r.bank.transaction(transaction_id)
    except NotFound:
        return None


def _documents(r: Repos, ids: list[str]) -> tuple[Document, ...]:
    found = []
    for document_id in ids:
        try:
            found.append(r.documents.get_document(document_id))
        except NotFound:
            continue
    return tuple(found)


def sandbox_accounts(r: Repos) -> frozenset[str]:
    """The bank accounts synced from an emulator (the built-in Qonto sandbox): their lines
    are made-up demo history and must never pass for the user's own bank."""
    emulated = {c.id for c in r.connections.list_connections() if is_sandbox_bank(c)}
    return frozenset(a.id for a in r.bank.accounts() if a.connection_id in emulated)


def match_views(r: Repos, document_id: str) -> list[MatchView]:
    """The document's matches, proposals first, then links, then dismissed ones."""
    order = {"proposed": 0, "linked": 1, "dismissed": 2}
    rows = sorted(r.matches.for_document(document_id), key=lambda m: order.get(m.status, 3))
    sandbox = sandbox_accounts(r)
    views = []
    for row in rows:
        transaction = _transaction(r, row.transaction_id)
        views.append(MatchView(row, transaction,
                               _documents(r, [i for i in row.document_ids if i != document_id]),
                               transaction is not None
                               and transaction.bank_account_id in sandbox))
    return views


def duplicate_original(r: Repos, document: Document) -> Document | None:
    if not document.duplicate_of:
        return None
    try:
        return r.documents.get_document(document.duplicate_of)
    except NotFound:
        return None


def _back(who: Viewer, back: str) -> str:
    if back.startswith(who.base + "/") and not back.startswith("//"):
        return back
    return f"{who.base}/unmatched"


def _match_action(request: Request, state: StateDep, who: Viewer, back: str, message: str,
                  apply: Callable[[Repos], object]) -> HTMLResponse | RedirectResponse:
    try:
        with repos(state, who) as r:
            apply(r)
    except actions.ActionRefused as exc:
        return render(request, "error.html", who, status_code=400, code=400, detail=str(exc))
    return see_other(flash_url(_back(who, back), message))


@router.post("/matches/{match_id}/confirm", response_model=None)
def confirm(request: Request, state: StateDep, who: ReviewerDep, match_id: str,
            back: Annotated[str, Form()] = "") -> HTMLResponse | RedirectResponse:
    return _match_action(request, state, who, back, "match_linked", lambda r: (
        actions.confirm_match(r.documents, r.matches, r.bank, match_id, actor=who.actor)))


@router.post("/matches/{match_id}/dismiss", response_model=None)
def dismiss(request: Request, state: StateDep, who: ReviewerDep, match_id: str,
            reason: Annotated[str, Form()] = "", back: Annotated[str, Form()] = ""
            ) -> HTMLResponse | RedirectResponse:
    return _match_action(request, state, who, back, "match_dismissed", lambda r: (
        actions.dismiss_match(r.documents, r.matches, match_id, actor=who.actor,
                              reason=reason[:500])))


@dataclass(frozen=True)
class DebitLine:
    transaction: BankTransaction
    proposals: tuple[MatchRow, ...]
    sandbox: bool


@router.get("/unmatched", response_class=HTMLResponse)
def unmatched(request: Request, state: StateDep, who: ViewerDep) -> HTMLResponse:
    with repos(state, who) as r:
        debits = r.bank.unmatched_debits()
        proposals: dict[str, list[MatchRow]] = defaultdict(list)
        for row in r.matches.proposed(limit=10 * UNMATCHED_LIMIT):
            proposals[row.transaction_id].append(row)
        sandbox = sandbox_accounts(r)
        lines = [DebitLine(t, tuple(proposals.get(t.id, ())), t.bank_account_id in sandbox)
                 for t in debits[-UNMATCHED_LIMIT:]]
        posted = r.web.documents_in([State.POSTED], limit=UNMATCHED_LIMIT)
    return render(request, "unmatched.html", who, debits=list(reversed(lines)),
                  debit_count=len(debits),
                  sandbox_count=sum(t.bank_account_id in sandbox for t in debits),
                  posted=posted, msg=request.query_params.get("msg"))

