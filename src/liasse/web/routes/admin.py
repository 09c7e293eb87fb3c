"""Suppliers directory and workspace settings (read views until the supplier store lands)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from liasse.web.deps import OwnerDep, StateDep, ViewerDep, repos
from liasse.web.views import render

router = APIRouter(prefix="/w/{slug}")


@router.get("/suppliers", response_class=HTMLResponse)
def suppliers(request: Request, state: StateDep, who: ViewerDep) -> HTMLResponse:
    year = state.today().year
    with repos(state, who) as r:
        spend = r.web.spend_by_supplier(date(year, 1, 1).isoformat(),
                                        date(year, 12, 31).isoformat())
        names = r.web.supplier_names()
    by_name = {line.label: line for line in spend}
    return render(request, "suppliers.html", who, names=names, by_name=by_name, year=year)


@router.get("/settings", response_class=HTMLResponse)
def settings(request: Request, state: StateDep, who: OwnerDep) -> HTMLResponse:
    with repos(state, who) as r:
        health = r.web.connection_health()
        members = r.web.members()
    return render(request, "settings.html", who, routing=state.services.settings.routing,
                  sync=state.services.settings.sync, health=health, members=members,
                  smtp=state.config.smtp)
