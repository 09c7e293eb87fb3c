"""Integration status: connections' health, backlog, every failure with a retry; post now."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from liasse.app import actions, connections
from liasse.app.backfill import backfill_progress
from liasse.app.pipelines import build_pipeline
from liasse.app.reports import connection_health, job_queue, receipts_exports, status_report
from liasse.app.wiring import posts_invoices
from liasse.web.deps import AccountantDep, StateDep, ViewerDep, repos
from liasse.web.views import flash_url, render, see_other

router = APIRouter(prefix="/w/{slug}")


@router.get("/status", response_class=HTMLResponse)
def status(request: Request, state: StateDep, who: ViewerDep) -> HTMLResponse:
    with repos(state, who) as r:
        health = r.web.connection_health()
        waiting = r.web.waiting_documents()
        parked_outbox = r.web.parked_outbox()
        pending_outbox = r.web.pending_outbox_count()
        counts = r.web.counts_by_state()
        backfills = backfill_progress(r.connections)
        exports = receipts_exports(r.connections)
        queue = job_queue(r.session, state.services.settings)
    return render(request, "status.html", who, health=health, waiting=waiting,
                  health_of=connection_health, exports=exports,
                  parked_outbox=parked_outbox, pending_outbox=pending_outbox, counts=counts,
                  poster_ready=state.services.poster is not None or any(
                      posts_invoices(line.connection) for line in health),
                  backfills=backfills, queue=queue, msg=request.query_params.get("msg"))


@router.post("/outbox/{item_id}/retry", response_model=None)
def retry_outbox(request: Request, state: StateDep, who: AccountantDep, item_id: str
                 ) -> HTMLResponse | RedirectResponse:
    try:
        with repos(state, who) as r:
            actions.retry_outbox_item(r.documents, item_id, actor=who.actor)
    except actions.ActionRefused as exc:
        return render(request, "error.html", who, status_code=400, code=400, detail=str(exc))
    return see_other(flash_url(f"{who.base}/status", "retried"))


@router.post("/post-now")
def post_now(state: StateDep, who: AccountantDep, back: Annotated[str, Form()] = ""
             ) -> RedirectResponse:
    target = back if back.startswith(who.base + "/") else f"{who.base}/status"
    # The workspace's own Qonto connection (the sandbox's too) is found by the pipeline.
    pipeline = build_pipeline(state.services, who.workspace.slug, connection_ids=set())
    if pipeline.poster is None:
        return see_other(flash_url(target, "no_bank"))
    counts = actions.post_now(pipeline)
    return see_other(flash_url(target, "posted_now" if counts.parked == 0 else "post_parked"))


@router.post("/connections/{name}/retry-now")
def retry_connection_now(state: StateDep, who: AccountantDep, name: str) -> RedirectResponse:
    done = connections.retry_connection_now(state.services, name, slug=who.workspace.slug,
                                            actor=who.actor)
    return see_other(flash_url(f"{who.base}/status", "sync_planned" if done else "no_such"))


@router.get("/api/status")
def status_json(state: StateDep, who: ViewerDep) -> JSONResponse:
    with repos(state, who) as r:
        report: dict[str, Any] = status_report(r.session, r.workspace_id).to_json()
    return JSONResponse(report)


@router.get("/notifications", response_class=HTMLResponse)
def notifications(request: Request, state: StateDep, who: ViewerDep) -> HTMLResponse:
    with repos(state, who) as r:
        rows = list(r.web.notifications())
    return render(request, "notifications.html", who, rows=rows)


@router.post("/notifications/read")
def mark_read(state: StateDep, who: ViewerDep) -> RedirectResponse:
    with repos(state, who) as r:
        r.web.mark_notifications_read()
    return see_other(f"{who.base}/notifications")
