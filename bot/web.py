"""The one ASGI app: health check, pages for signed links, and the channels' webhooks."""

from __future__ import annotations

import logging

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import App

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

    pages: list[BaseRoute] = []
    if app.settings.secret_key is not None:  # links are signed with it
        from bot.pages import act

        pages = act.routes(app)
    return Starlette(routes=[Route("/healthz", healthz), *pages, *(extra_routes or [])])
