"""Page rendering: the Jinja2 environment, its filters, and the context every page gets.

Templates autoescape: everything extracted from documents is untrusted text and is only
ever inserted escaped (no `|safe` on data anywhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from liasse.domain.money import Money, MoneyError
from liasse.domain.outcome import Plan, plan_of, unreadable_reason
from liasse.store.tables import Document
from liasse.web.deps import Viewer, session_of, web_state
from liasse.web.i18n import FIELD_LABELS, MESSAGES, STATE_LABELS, pick_language

TEMPLATES = Path(__file__).with_name("templates")
LOW_CONFIDENCE = 0.85


def money(minor: int | None, currency: str | None = "EUR") -> str:
    if minor is None:
        return ""
    try:
        return str(Money(minor, currency or "EUR"))
    except MoneyError:
        return f"{minor} {currency}"


def percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def percent_input(value: float | None) -> str:
    """A 0–1 threshold as the number a person types in a percent box: 0.9 → "90"."""
    if value is None:
        return ""
    return f"{value * 100:.2f}".rstrip("0").rstrip(".")


def when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class OutcomeView:
    """What a record says first: its type, what liasse does with it, why it is unreadable."""

    document_type: str
    plan: Plan
    unreadable: str | None


def outcome(document: Document) -> OutcomeView:
    extraction = document.read_extraction()
    return OutcomeView(document.document_type or "other",
                       plan_of(document.document_type, document.source_kind, extraction),
                       unreadable_reason(extraction))


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters.update(money=money, percent=percent, percent_input=percent_input,
                                 when=when)
    templates.env.globals["LOW_CONFIDENCE"] = LOW_CONFIDENCE
    templates.env.globals["outcome"] = outcome
    return templates


def language(request: Request) -> str:
    return pick_language(request.headers.get("accept-language"))


def render(request: Request, name: str, who: Viewer | None = None, *, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    lang = language(request)
    response: HTMLResponse = web_state(request).templates.TemplateResponse(
        request, name,
        {"t": MESSAGES[lang], "states": STATE_LABELS[lang], "field_labels": FIELD_LABELS[lang],
         "lang": lang, "csrf": session_of(request).csrf, "who": who, **context},
        status_code=status_code,
    )
    return response


def see_other(url: str) -> RedirectResponse:
    """After a POST: the browser GETs the next page (no resubmission on reload)."""
    return RedirectResponse(url, status_code=303)


def flash_url(url: str, message_key: str) -> str:
    """`url` with a message key the next page shows (a key, never free text: no injection)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}msg={message_key}"
