"""The page routers, one module per area; `create_app` includes them in this order."""

from __future__ import annotations

from fastapi import APIRouter

from liasse.web.routes import (
    admin,
    auth,
    dashboard,
    documents,
    matches,
    metrics,
    pages,
    review,
    status,
    suppliers,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router, dashboard.router, review.router, documents.router, status.router, admin.router,
    suppliers.router, matches.router, pages.router, metrics.router,
)
