"""`/metrics` for Prometheus: off unless `web.metrics` is set (then a 404 like any unknown
page), behind `web.metrics_token` when one is set. Totals only: see `liasse.app.metrics`."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from liasse.app.metrics import CONTENT_TYPE, exposition, read_figures
from liasse.web.deps import StateDep

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, state: StateDep) -> Response:
    config = state.config
    if not config.metrics:
        raise HTTPException(404, "Not Found")
    if config.metrics_token is not None:
        expected = f"Bearer {config.metrics_token.get_secret_value()}"
        given = request.headers.get("Authorization", "")
        if not secrets.compare_digest(given.encode(), expected.encode()):
            return Response("a bearer token is required (web.metrics_token)\n", 401,
                            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                            media_type="text/plain")
    return Response(exposition(read_figures(state.services)), media_type=CONTENT_TYPE)
