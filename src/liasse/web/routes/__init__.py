"""The page routers, one module per area; `create_app` includes them in this order."""

from __future__ import annotations

from fastapi import APIRouter

from liasse.web.routes import admin, auth, dashboard, documents, review, status

ROUTERS: tuple[APIRouter, ...] = (
    auth.router, dashboard.router, review.router, documents.router, status.router, admin.router,
)
