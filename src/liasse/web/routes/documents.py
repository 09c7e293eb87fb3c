"""The documents list (search, filters, sort, pages), the record page, the file, and its actions."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liasse.app import actions, learning
from liasse.app.reports import audit_lines
from liasse.app.wiring import is_sandbox_bank
from liasse.domain.extraction import FIELD_NAMES
from liasse.domain.money import Money, MoneyError
from liasse.domain.states import State
from liasse.store.blobs import BlobStoreError
from liasse.store.repo import NotFound
from liasse.store.tables import Document
from liasse.store.web_repo import DocumentQuery
from liasse.web.deps import (
    AccountantDep,
    Repos,
    ReviewerDep,
    StateDep,
    Viewer,
    ViewerDep,
    repos,
)
from liasse.web.routes.matches import duplicate_original, match_views
from liasse.web.routes.pages import pages_of
from liasse.web.views import flash_url, render, see_other

router = APIRouter(prefix="/w/{slug}")

INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
PER_PAGE = 50
# Past any real list, and small enough that the row offset fits the database's integers.
MAX_PAGE = 1_000_000
# A total beyond a thousand billion euros is no filter anyone means (and overflows BIGINT).
MAX_TOTAL_MINOR = 10**17
FIELD_PREFIX = "f_"


def _minor(raw: str | None) -> int | None:
    if not raw or not raw.strip():
        return None
    try:
        minor = Money.parse(Decimal(raw.strip().replace(",", ".")), "EUR").minor
    except (MoneyError, InvalidOperation, ValueError):
        return None
    return max(-MAX_TOTAL_MINOR, min(MAX_TOTAL_MINOR, minor))


def _date(raw: str | None) -> str:
    value = (raw or "").strip()
    return value if len(value) == 10 and value[4] == "-" and value[7] == "-" else ""


def document_query(request: Request) -> DocumentQuery:
    """The filters of the documents page, read leniently: a bad value is ignored, not a 500."""
    params = request.query_params
    try:
        page = min(MAX_PAGE, max(1, int(params.get("page", "1"))))
    except ValueError:
        page = 1
    ids = tuple(i for i in params.get("ids", "").split(",") if i)
    return DocumentQuery(
        text=params.get("q", ""), supplier=params.get("supplier", ""),
        states=tuple(s for s in params.getlist("state") if s in State._value2member_map_),
        min_total_minor=_minor(params.get("min")), max_total_minor=_minor(params.get("max")),
        issued_from=_date(params.get("issued_from")), issued_to=_date(params.get("issued_to")),
        ids=ids, sort=params.get("sort", "updated"), descending=params.get("dir", "desc") != "asc",
        page=page, per_page=PER_PAGE,
    )


def _page_link(request: Request, **changes: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += list(changes.items())
    return f"{request.url.path}?{urlencode(params)}"


@router.get("/documents", response_class=HTMLResponse)
def documents(request: Request, state: StateDep, who: ViewerDep) -> HTMLResponse:
    query = document_query(request)
    with repos(state, who) as r:
        found = r.web.search_documents(query)
        suppliers = r.web.supplier_names()
    return render(request, "documents.html", who, found=found, query=query,
                  suppliers=suppliers, all_states=[s.value for s in State],
                  link=lambda **changes: _page_link(request, **changes))


def _get(r: Repos, document_id: str) -> Document:
    try:
        return r.documents.get_document(document_id)
    except NotFound as exc:
        raise HTTPException(404) from exc


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def record(request: Request, state: StateDep, who: ViewerDep, document_id: str) -> HTMLResponse:
    with repos(state, who) as r:
        document = _get(r, document_id)
        trail = audit_lines(r.documents, document_id)
        files = [(f, r.connections.get_connection(f.connection_id))
                 for f in r.files.source_files_of_document(document_id)]
        matches = match_views(r, document_id)
        original = duplicate_original(r, document)
        # In sandbox mode the invoice lives in the built-in emulator, not in Qonto's app.
        sandbox = any(c.status == "active" and is_sandbox_bank(c)
                      for c in r.connections.list_connections())
    extraction = document.read_extraction()
    fields = extraction.fields if extraction is not None else {}
    linked = [m.row.transaction_id for m in matches if m.row.status == "linked"]
    return render(request, "record.html", who, document=document, trail=trail, files=files,
                  fields=fields, field_names=FIELD_NAMES, matches=matches, original=original,
                  linked_transactions=linked, pages=pages_of(state, document),
                  qonto_sandbox=sandbox,
                  msg=request.query_params.get("msg"))


@router.get("/documents/{document_id}/file")
def document_file(state: StateDep, who: ViewerDep, document_id: str) -> Response:
    with repos(state, who) as r:
        document = _get(r, document_id)
    try:  # from the blob folder or the shared object store alike
        content = state.services.blobs.read_bytes(document.sha256)
    except BlobStoreError as exc:
        raise HTTPException(404, "the stored file is missing") from exc
    inline = document.media_type in INLINE_TYPES
    headers = {"X-Content-Type-Options": "nosniff", "Content-Disposition": _disposition(
        "inline" if inline else "attachment", document.file_name)}
    if not inline:  # anything else is untrusted markup: never rendered by the browser
        headers["Content-Security-Policy"] = "sandbox"
    return Response(content, headers=headers,
                    media_type=document.media_type if inline else "application/octet-stream")


def _disposition(kind: str, file_name: str) -> str:
    """As Starlette's FileResponse writes it: RFC 5987 for names that need quoting."""
    quoted = quote(file_name)
    if quoted != file_name:
        return f"{kind}; filename*=utf-8''{quoted}"
    return f'{kind}; filename="{file_name}"'


# --- actions ------------------------------------------------------------------------------------


def _back(who: Viewer, document_id: str, back: str) -> str:
    """Where to go after an action: a page of this workspace only, else the record page."""
    if back.startswith(who.base + "/") and not back.startswith("//"):
        return back
    return f"{who.base}/documents/{document_id}"


def _act(request: Request, state: StateDep, who: Viewer, document_id: str, back: str,
         message: str, action: Callable[[Repos], object]) -> HTMLResponse | RedirectResponse:
    try:
        with repos(state, who) as r:
            _get(r, document_id)
            action(r)
    except actions.ActionRefused as exc:
        return render(request, "error.html", who, status_code=400, code=400, detail=str(exc))
    return see_other(flash_url(_back(who, document_id, back), message))


@router.post("/documents/{document_id}/fields", response_model=None)
async def edit_fields(request: Request, state: StateDep, who: ReviewerDep, document_id: str
                      ) -> HTMLResponse | RedirectResponse:
    form = await request.form()
    edits = {key.removeprefix(FIELD_PREFIX): str(value) for key, value in form.items()
             if key.startswith(FIELD_PREFIX) and isinstance(value, str)}
    back = str(form.get("back") or "")

    def apply(r: Repos) -> None:
        for name, value in edits.items():
            actions.edit_field(r.documents, document_id, name, value, actor=who.actor)

    return _act(request, state, who, document_id, back, "saved", apply)


@router.post("/documents/{document_id}/approve", response_model=None)
def approve(request: Request, state: StateDep, who: ReviewerDep, document_id: str,
            reason: Annotated[str, Form()] = "", back: Annotated[str, Form()] = "",
            ) -> HTMLResponse | RedirectResponse:
    return _act(request, state, who, document_id, back, "approved",
                lambda r: learning.approve_and_learn(
                    r.documents, r.suppliers, r.memories, state.services.blobs.read_bytes,
                    document_id, actor=who.actor, reason=reason))


@router.post("/documents/{document_id}/reject", response_model=None)
def reject(request: Request, state: StateDep, who: ReviewerDep, document_id: str,
           reason: Annotated[str, Form()] = "", back: Annotated[str, Form()] = "",
           ) -> HTMLResponse | RedirectResponse:
    return _act(request, state, who, document_id, back, "rejected",
                lambda r: learning.reject_and_learn(
                    r.documents, r.suppliers, r.memories, state.services.blobs.read_bytes,
                    document_id, actor=who.actor, reason=reason))


@router.post("/documents/{document_id}/send-back", response_model=None)
def send_back(request: Request, state: StateDep, who: ReviewerDep, document_id: str,
              reason: Annotated[str, Form()] = "") -> HTMLResponse | RedirectResponse:
    return _act(request, state, who, document_id, "", "sent_back",
                lambda r: actions.send_back_to_review(r.documents, document_id, actor=who.actor,
                                                      reason=reason))


@router.post("/documents/{document_id}/route", response_model=None)
def override_route(request: Request, state: StateDep, who: AccountantDep, document_id: str,
                   target: Annotated[str, Form()], reason: Annotated[str, Form()] = "",
                   ) -> HTMLResponse | RedirectResponse:
    return _act(request, state, who, document_id, "", "routed",
                lambda r: actions.override_route(r.documents, document_id, target, actor=who.actor,
                                                 reason=reason))


@router.post("/documents/{document_id}/retry", response_model=None)
def retry(request: Request, state: StateDep, who: AccountantDep, document_id: str,
          back: Annotated[str, Form()] = "") -> HTMLResponse | RedirectResponse:
    return _act(request, state, who, document_id, back, "retried",
                lambda r: actions.retry_document(r.documents, document_id, actor=who.actor))


@router.post("/documents/{document_id}/supplier", response_model=None)
def choose_supplier(request: Request, state: StateDep, who: ReviewerDep, document_id: str,
                    supplier_id: Annotated[str, Form()] = "", back: Annotated[str, Form()] = "",
                    ) -> HTMLResponse | RedirectResponse:
    return _act(request, state, who, document_id, back, "supplier_set",
                lambda r: actions.assign_supplier(r.documents, r.suppliers, document_id,
                                                  supplier_id, actor=who.actor))


@router.post("/documents/{document_id}/account", response_model=None)
def choose_account(request: Request, state: StateDep, who: ReviewerDep, document_id: str,
                   ledger_account: Annotated[str, Form()] = "",
                   back: Annotated[str, Form()] = "") -> HTMLResponse | RedirectResponse:
    return _act(request, state, who, document_id, back, "account_set",
                lambda r: actions.set_ledger_account(r.documents, document_id, ledger_account,
                                                     actor=who.actor))
