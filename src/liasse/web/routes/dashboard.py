"""The dashboard (counts, automatic-post rate, this month's spend) and the Ask box."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from liasse.ask.answers import Paths, ask
from liasse.domain.states import State
from liasse.web.charts import bar_chart
from liasse.web.deps import StateDep, ViewerDep, repos
from liasse.web.i18n import MESSAGES, STATE_LABELS
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
        unmatched = counts.get(State.POSTED.value, 0)
    state_chart = bar_chart(t["by_state"], [(labels.get(s, s), n, str(n))
                                                for s, n in counts.items()])
    spend_chart = bar_chart(t["spend_by_supplier"], [
        (f"{line.label} ({line.currency})", line.total_minor,
         money(line.total_minor, line.currency)) for line in spend])
    return render(request, "dashboard.html", who, counts=counts, routes=routes, spend=spend,
                  state_chart=state_chart, spend_chart=spend_chart, unmatched=unmatched,
                  month_from=month_from, month_to=month_to)


@router.get("/ask", response_class=HTMLResponse)
def ask_page(request: Request, state: StateDep, who: ViewerDep, q: str = "") -> HTMLResponse:
    answer = None
    if q.strip():
        with repos(state, who) as r:
            answer = ask(q[:500], r.web, Paths(who.base), state.today())
    return render(request, "ask.html", who, question=q, answer=answer)
