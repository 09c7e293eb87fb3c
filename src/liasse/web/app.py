"""The FastAPI application factory: routes render read models from `liasse.reports`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from liasse.reports import audit_lines, status_report
from liasse.services import Services
from liasse.store.repo import NotFound
from liasse.web.i18n import MESSAGES, STATE_LABELS, pick_language

TEMPLATES = Path(__file__).with_name("templates")


def create_app(services: Services) -> FastAPI:
    app = FastAPI(title="liasse", docs_url=None, redoc_url=None)
    # Jinja2Templates escapes .html templates: extracted text is untrusted.
    templates = Jinja2Templates(directory=str(TEMPLATES))

    def page(request: Request, name: str, **context: Any) -> HTMLResponse:
        lang = pick_language(request.headers.get("accept-language"))
        response: HTMLResponse = templates.TemplateResponse(
            request, name, {"t": MESSAGES[lang], "states": STATE_LABELS[lang], "lang": lang,
                            **context},
        )
        return response

    @app.get("/", response_class=HTMLResponse)
    def status_page(request: Request) -> HTMLResponse:
        with services.workspace_repo() as repo:
            report = status_report(repo, recent=200)
        return page(request, "status.html", report=report)

    @app.get("/api/status")
    def status_json() -> JSONResponse:
        with services.workspace_repo() as repo:
            return JSONResponse(status_report(repo).to_json())

    @app.get("/documents/{document_id}", response_class=HTMLResponse)
    def document_page(request: Request, document_id: str) -> HTMLResponse:
        with services.workspace_repo() as repo:
            try:
                document = repo.get_document(document_id)
            except NotFound as exc:
                raise HTTPException(404) from exc
            trail = audit_lines(repo, document_id)
            files = list(repo.source_files_of_document(document_id))
        fields = (document.extraction or {}).get("fields", {})
        return page(request, "document.html", document=document, trail=trail, files=files,
                    fields=fields)

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
