"""A stored document's pages as PNG images, and which of them the viewer shows.

The rendering itself is `liasse.web.render`, run in the viewer's limited child processes
under `RENDER_SECONDS`; this module only finds the document in the viewer's workspace
(404 for any other), reads its blob and turns render errors into HTTP answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import PlainTextResponse, Response

from liasse.domain.outcome import unreadable_reason
from liasse.extract.worker import WorkerError, viewer_worker
from liasse.store.blobs import BlobStoreError
from liasse.store.repo import NotFound
from liasse.store.tables import Document
from liasse.web import render
from liasse.web.deps import StateDep, ViewerDep, WebState, repos

router = APIRouter(prefix="/w/{slug}")

# Renders are private to the user and change only if the stored file does (never: the
# blob is content-addressed), so the browser may keep them for an hour.
CACHE_CONTROL = "private, max-age=3600"
# The width the viewer asks for: its column is ~500 px wide, so about twice that for
# high-density screens; the link around each page asks for the largest.
VIEWER_WIDTH = 1000
ZOOM_WIDTH = render.MAX_WIDTH
MISSING_FILE = "the stored file is missing"
# A page renders in well under a second; a file that takes longer is not worth a thread.
RENDER_SECONDS = 20.0


def _in_child(function: Callable[[render.PageRequest], render.Rendered],
              request: render.PageRequest) -> render.Rendered:
    """Run a render in the limited child; a crash or the deadline is a render error."""
    try:
        answer = viewer_worker().run(function, request, seconds=RENDER_SECONDS)
    except WorkerError as exc:
        raise render.RenderError(f"the page could not be rendered: {exc}") from exc
    return answer.unwrap()


@dataclass(frozen=True)
class PagesView:
    """What the viewer shows: the page numbers, else the i18n key of why there are none."""

    numbers: tuple[int, ...]
    note: str | None
    width: int = VIEWER_WIDTH
    zoom_width: int = ZOOM_WIDTH


def pages_of(state: WebState, document: Document) -> PagesView:
    """The pages of `document` to show as images (reads its blob: one document per page)."""
    if unreadable_reason(document.read_extraction()) is not None:
        return PagesView((), "pages_not_a_document")
    if not render.has_pages(document.media_type):
        return PagesView((), "pages_none_xml")
    try:
        data = state.services.blobs.read_bytes(document.sha256)
        count = _in_child(render.count_in_child,
                          render.PageRequest(data, document.media_type)).count
    except (BlobStoreError, render.RenderError):
        return PagesView((), "pages_unreadable")
    return PagesView(tuple(range(1, count + 1)), None)


def _document(state: WebState, who: ViewerDep, document_id: str) -> Document:
    with repos(state, who) as r:
        try:
            return r.documents.get_document(document_id)
        except NotFound as exc:
            raise HTTPException(404) from exc


@router.get("/documents/{document_id}/pages/{number:int}.png", response_model=None)
def page_image(state: StateDep, who: ViewerDep, document_id: str, number: int,
               width: Annotated[int, Query()] = VIEWER_WIDTH) -> Response:
    document = _document(state, who, document_id)
    if not render.has_pages(document.media_type):
        raise HTTPException(404, render.MESSAGES["not_renderable"].format(
            media_type=document.media_type))
    try:
        data = state.services.blobs.read_bytes(document.sha256)
    except BlobStoreError as exc:
        raise HTTPException(404, MISSING_FILE) from exc
    try:
        png = _in_child(render.render_in_child, render.PageRequest(
            data, document.media_type, number, width)).png
    except render.PageOutOfRange as exc:
        raise HTTPException(404, str(exc)) from exc
    except render.RenderError as exc:
        return PlainTextResponse(str(exc), status_code=422)
    return Response(png, media_type="image/png", headers={"Cache-Control": CACHE_CONTROL})
