"""Workspace settings (read view): routing thresholds, sync window, connections, members."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from liasse.web.deps import OwnerDep, StateDep, repos
from liasse.web.views import render

router = APIRouter(prefix="/w/{slug}")


@router.get("/settings", response_class=HTMLResponse)
def settings(request: Request, state: StateDep, who: OwnerDep) -> HTMLResponse:
    with repos(state, who) as r:
        health = r.web.connection_health()
        members = r.web.members()
    return render(request, "settings.html", who, routing=state.services.settings.routing,
                  sync=state.services.settings.sync, health=health, members=members,
                  smtp=state.config.smtp)
