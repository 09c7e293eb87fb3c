"""Workspace settings (read view): routing thresholds, sync window, connections, members;
and the owner's privacy actions: export everything, erase the workspace."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.background import BackgroundTask

from liasse.app.privacy import erase_workspace, export_workspace
from liasse.web.deps import OwnerDep, StateDep, repos
from liasse.web.i18n import MESSAGES
from liasse.web.views import language, render, see_other

router = APIRouter(prefix="/w/{slug}")


@router.get("/settings", response_class=HTMLResponse)
def settings(request: Request, state: StateDep, who: OwnerDep) -> HTMLResponse:
    with repos(state, who) as r:
        health = r.web.connection_health()
        members = r.web.members()
    return render(request, "settings.html", who, routing=state.services.settings.routing,
                  sync=state.services.settings.sync, health=health, members=members,
                  smtp=state.config.smtp,
                  retention_years=state.services.settings.privacy.retention_years)


@router.get("/privacy/export.zip")
def privacy_export(state: StateDep, who: OwnerDep) -> FileResponse:
    descriptor, path = tempfile.mkstemp(suffix=".zip")  # 0600, removed once sent
    try:
        with os.fdopen(descriptor, "wb") as out:
            export_workspace(state.services, who.workspace.slug, out, actor=who.actor)
    except BaseException:
        Path(path).unlink()
        raise
    return FileResponse(path, media_type="application/zip",
                        filename=f"liasse-{who.workspace.slug}.zip",
                        background=BackgroundTask(os.unlink, path))


@router.post("/privacy/erase")
def privacy_erase(request: Request, state: StateDep, who: OwnerDep,
                  confirm: Annotated[str, Form()] = "") -> RedirectResponse:
    if confirm.strip() != who.workspace.slug:
        raise HTTPException(400, MESSAGES[language(request)]["privacy_erase_mismatch"])
    erase_workspace(state.services, who.workspace.slug, actor=who.actor)
    return see_other("/")
