"""The dashboard (counts, automatic-post rate, this month's spend) and the Ask box."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from liasse.app.ask.answers import Paths, ask
from liasse.domain.pcg import label_of
from liasse.domain.transactions import BankTransaction
from liasse.store.web_repo import SpendLine
from liasse.web.charts import BarChart, bar_chart
from liasse.web.deps import StateDep, ViewerDep, repos
from liasse.web.i18n import MESSAGES, STATE_LABELS
from liasse.web.routes.matches import sandbox_accounts
from liasse.web.views import language, money, render, see_other

router = APIRouter(prefix="/w/{slug}")


def _month(today: date) -> tuple[str, str]:
    first = today.replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first.isoformat(), last.isoformat()


@router.get("")
def workspace_home(who: ViewerDep) -> RedirectResponse:
    return see_other(f"{who.base}/dashboard")


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, state: StateDep, who: ViewerDep) -> HTMLResponse:
    t, labels = MESSAGES[language(request)], STATE_LABELS[language(request)]
    month_from, month_to = _month(state.today())
    with repos(state, who) as r:
        counts = r.web.counts_by_state()
        routes = r.web.route_counts()
        spend = r.web.spend_by_supplier(month_from, month_to)
        by_account = r.web.spend_by_account(month_from, month_to)
        debits = r.bank.unmatched_debits()
        sandbox = sandbox_accounts(r)
    lang = language(request)
    accounts = [(line, f"{line.label} {label_of(line.label, lang)}" if line.label
                 else t["no_account"]) for line in by_account]
    state_chart = bar_chart(t["by_state"], [(labels.get(s, s), n, str(n))
                                                for s, n in counts.items()])
    spend_chart = bar_chart(t["spend_by_supplier"], [
        (f"{line.label} ({line.currency})", line.total_minor,
         money(line.total_minor, line.currency)) for line in spend])
    return render(request, "dashboard.html", who, counts=counts, routes=routes, spend=spend,
                  state_chart=state_chart, spend_chart=spend_chart, accounts=accounts,
                  account_chart=_account_chart(t["spend_by_account"], accounts),
                  unmatched=len(debits), unmatched_total=_totals(debits),
                  unmatched_sandbox=sum(t.bank_account_id in sandbox for t in debits),
                  month_from=month_from, month_to=month_to)


def _account_chart(title: str, accounts: list[tuple[SpendLine, str]]) -> BarChart:
    return bar_chart(title, [(f"{label} ({line.currency})", line.total_minor,
                              money(line.total_minor, line.currency))
                             for line, label in accounts])


def _totals(debits: list[BankTransaction]) -> str:
    by_currency: dict[str, int] = {}
    for debit in debits:
        by_currency[debit.amount.currency] = (by_currency.get(debit.amount.currency, 0)
                                              + debit.amount.minor)
    return " + ".join(money(minor, currency) for currency, minor in sorted(by_currency.items()))


@router.get("/ask", response_class=HTMLResponse)
def ask_page(request: Request, state: StateDep, who: ViewerDep, q: str = "") -> HTMLResponse:
    answer = None
    if q.strip():
        with repos(state, who) as r:
            answer = ask(q[:500], r.web, Paths(who.base), state.today(), bank=r.bank)
    return render(request, "ask.html", who, question=q, answer=answer)
