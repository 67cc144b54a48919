"""The one ASGI app: the health check, the dashboard, and the channels' webhooks."""

from __future__ import annotations

import logging

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.dashboard.routes import routes as dashboard_routes

log = logging.getLogger(__name__)


def build(app: App, extra_routes: list[BaseRoute] | None = None) -> Starlette:
    async def healthz(request: Request) -> Response:
        try:
            async with app.database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            log.exception("health check: database unavailable")
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/healthz", healthz), *dashboard_routes(app),
                             *(extra_routes or [])])
