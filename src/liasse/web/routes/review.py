"""The review queue: one document beside its fields, keyboard shortcuts, bulk approve."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from liasse.app import learning
from liasse.app.reports import audit_lines
from liasse.domain.extraction import FIELD_NAMES
from liasse.domain.states import State
from liasse.store.repo import NotFound
from liasse.web.deps import ReviewerDep, StateDep, ViewerDep, repos
from liasse.web.routes.matches import duplicate_original, match_views
from liasse.web.routes.pages import pages_of
from liasse.web.routes.suppliers import account_choices
from liasse.web.views import flash_url, language, render, see_other

router = APIRouter(prefix="/w/{slug}")

QUEUE_PAGE = 200


@router.get("/review", response_model=None)
def queue(request: Request, state: StateDep, who: ViewerDep) -> HTMLResponse | RedirectResponse:
    with repos(state, who) as r:
        first = r.web.review_queue(limit=1)
    if first:
        url = f"{who.base}/review/{first[0].id}"
        message = request.query_params.get("msg")
        return see_other(flash_url(url, message) if message else url)
    return render(request, "review.html", who, queue=[], document=None,
                  msg=request.query_params.get("msg"))


@router.get("/review/{document_id}", response_class=HTMLResponse)
def review(request: Request, state: StateDep, who: ViewerDep, document_id: str) -> HTMLResponse:
    with repos(state, who) as r:
        try:
            document = r.documents.get_document(document_id)
        except NotFound as exc:
            raise HTTPException(404) from exc
        waiting = list(r.web.review_queue(limit=QUEUE_PAGE))
        total = r.web.count_in_review()
        trail = audit_lines(r.documents, document_id)
        suppliers = r.suppliers.suppliers()
        matches = match_views(r, document_id)
        original = duplicate_original(r, document)
    ids = [d.id for d in waiting]
    position = ids.index(document_id) if document_id in ids else -1
    previous_id = ids[position - 1] if position > 0 else None
    next_id = ids[position + 1] if 0 <= position < len(ids) - 1 else None
    # After a decision the queue moves on to the next document (or the first one left).
    after = f"{who.base}/review/{next_id}" if next_id else f"{who.base}/review"
    extraction = document.read_extraction()
    fields = extraction.fields if extraction is not None else {}
    return render(request, "review.html", who, queue=waiting, total=total, document=document,
                  fields=fields, field_names=FIELD_NAMES, trail=trail, previous_id=previous_id,
                  next_id=next_id, after=after, in_review=document.state == State.IN_REVIEW,
                  suppliers=suppliers, accounts=account_choices(language(request)),
                  matches=matches, original=original, pages=pages_of(state, document),
                  msg=request.query_params.get("msg"))


@router.post("/review/bulk-approve", response_model=None)
async def bulk_approve(request: Request, state: StateDep, who: ReviewerDep
                       ) -> HTMLResponse | RedirectResponse:
    form = await request.form()
    ids = [str(value) for value in form.getlist("ids")]
    if not ids:
        return see_other(flash_url(f"{who.base}/review", "nothing_selected"))
    with repos(state, who) as r:
        result = learning.bulk_approve_and_learn(r.documents, r.suppliers, r.memories,
                                                 state.services.blobs.read_bytes, ids,
                                                 actor=who.actor)
    if result.refused:
        return render(request, "bulk.html", who, result=result)
    return see_other(flash_url(f"{who.base}/review", "bulk_approved"))
