"""The supplier directory: list with this year's spend, a supplier's page, rules, rename, merge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from liasse.app import actions, learning
from liasse.app.reports import audit_lines
from liasse.domain.pcg import label_of, pcg_accounts
from liasse.domain.suppliers import Supplier, SupplierRule
from liasse.store.repo import NotFound
from liasse.store.suppliers_repo import SupplierSpend
from liasse.web.deps import AccountantDep, Repos, StateDep, Viewer, ViewerDep, repos
from liasse.web.i18n import FIELD_LABELS
from liasse.web.views import flash_url, language, render, see_other

router = APIRouter(prefix="/w/{slug}")


@dataclass(frozen=True)
class AccountChoice:
    number: str
    label: str


def account_choices(lang: str) -> list[AccountChoice]:
    """The PCG list for a picker, labelled in the page's language."""
    return [AccountChoice(number, label_of(number, lang)) for number in pcg_accounts()]


@dataclass(frozen=True)
class DirectoryLine:
    supplier: Supplier
    account: str | None
    spend: tuple[SupplierSpend, ...]
    documents: int


@router.get("/suppliers", response_class=HTMLResponse)
def directory(request: Request, state: StateDep, who: ViewerDep) -> HTMLResponse:
    year = state.today().year
    with repos(state, who) as r:
        suppliers = r.suppliers.suppliers()
        spend = r.suppliers.spend_by_supplier(year)
        counts = r.suppliers.document_counts()
        names = r.web.supplier_names()
    known = {name for supplier in suppliers for name in supplier.names}
    lines = [DirectoryLine(s, s.rule.ledger_account or s.default_account,
                           tuple(x for x in spend if x.supplier_id == s.id), counts.get(s.id, 0))
             for s in suppliers]
    return render(request, "suppliers.html", who, lines=lines, year=year,
                  unattributed=[name for name in names if name not in known],
                  label_of=lambda account: label_of(account, language(request)))


def _supplier_or_404(r: Repos, supplier_id: str) -> Supplier:
    try:
        return r.suppliers.get(supplier_id)
    except NotFound as exc:
        raise HTTPException(404) from exc


@router.get("/suppliers/{supplier_id}", response_model=None)
def supplier_page(request: Request, state: StateDep, who: ViewerDep, supplier_id: str
                  ) -> HTMLResponse | RedirectResponse:
    with repos(state, who) as r:
        supplier = _supplier_or_404(r, supplier_id)
        current = r.suppliers.resolve_id(supplier_id)
        others = [s for s in r.suppliers.suppliers() if s.id != supplier_id]
        spend = [x for x in r.suppliers.spend_by_supplier(state.today().year)
                 if x.supplier_id == supplier_id]
        trail = audit_lines(r.documents, supplier_id)
        memory = r.memories.memory_of(supplier_id)
    if current != supplier_id:  # merged away: its page is now the kept supplier's
        return see_other(f"{who.base}/suppliers/{current}")
    lang = language(request)
    return render(request, "supplier.html", who, supplier=supplier, others=others, spend=spend,
                  trail=trail, year=state.today().year, accounts=account_choices(lang),
                  label_of=lambda account: label_of(account, lang), memory=memory,
                  field_labels=FIELD_LABELS.get(lang, FIELD_LABELS["en"]),
                  msg=request.query_params.get("msg"))


def _percent(raw: str) -> float | None:
    """A threshold typed as a percentage ("90", "87,5"); empty means the workspace's."""
    value = raw.strip().rstrip("%").strip().replace(",", ".")
    if not value:
        return None
    try:
        return float(Decimal(value) / 100)
    except InvalidOperation as exc:
        raise actions.ActionRefused(f"{raw!r} is not a percentage") from exc


def _supplier_action(request: Request, state: StateDep, who: Viewer, supplier_id: str,
                     message: str, action: Callable[[Repos], object]
                     ) -> HTMLResponse | RedirectResponse:
    try:
        with repos(state, who) as r:
            action(r)
    except actions.ActionRefused as exc:
        return render(request, "error.html", who, status_code=400, code=400, detail=str(exc))
    return see_other(flash_url(f"{who.base}/suppliers/{supplier_id}", message))


@router.post("/suppliers/{supplier_id}/rule", response_model=None)
def save_rule(request: Request, state: StateDep, who: AccountantDep, supplier_id: str,
              ledger_account: Annotated[str, Form()] = "",
              always_review: Annotated[str, Form()] = "",
              approve_from: Annotated[str, Form()] = "",
              review_from: Annotated[str, Form()] = "") -> HTMLResponse | RedirectResponse:
    def apply(r: Repos) -> None:
        rule = SupplierRule(ledger_account or None, bool(always_review), _percent(approve_from),
                            _percent(review_from))
        actions.update_supplier_rule(r.documents, r.suppliers, supplier_id, rule, actor=who.actor)

    return _supplier_action(request, state, who, supplier_id, "rule_saved", apply)


@router.post("/suppliers/{supplier_id}/rename", response_model=None)
def rename(request: Request, state: StateDep, who: AccountantDep, supplier_id: str,
           legal_name: Annotated[str, Form()] = "") -> HTMLResponse | RedirectResponse:
    return _supplier_action(request, state, who, supplier_id, "renamed", lambda r: (
        actions.rename_supplier(r.documents, r.suppliers, supplier_id, legal_name[:300],
                                actor=who.actor)))


@router.post("/suppliers/{supplier_id}/merge", response_model=None)
def merge(request: Request, state: StateDep, who: AccountantDep, supplier_id: str,
          absorbed: Annotated[str, Form()] = "") -> HTMLResponse | RedirectResponse:
    return _supplier_action(request, state, who, supplier_id, "merged", lambda r: (
        actions.merge_suppliers(r.documents, r.suppliers, supplier_id, absorbed, actor=who.actor)))


@router.post("/suppliers/{supplier_id}/forget", response_model=None)
def forget(request: Request, state: StateDep, who: AccountantDep, supplier_id: str
           ) -> HTMLResponse | RedirectResponse:
    return _supplier_action(request, state, who, supplier_id, "forgotten", lambda r: (
        learning.forget_supplier(r.documents, r.suppliers, r.memories, supplier_id,
                                 actor=who.actor)))
