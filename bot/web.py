"""The one ASGI app: health, readiness and metrics, the dashboard, pages for signed
links; channel webhooks mount here too."""

from __future__ import annotations

import asyncio
import functools
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot import metrics
from bot.app import App
from bot.dashboard.routes import routes as dashboard_routes
from bot.services import gauges  # noqa: F401  (registers the programme's gauges at /metrics)
from bot.storage.database import Database

log = logging.getLogger(__name__)

READY_TIMEOUT = 5.0  # seconds the database has to answer /readyz
head = functools.cache(Database.head)  # the migrations on disk do not change while we run


async def readiness(database: Database) -> str | None:
    """Why this process cannot serve now, or None when it can."""
    try:
        revision = await asyncio.wait_for(database.revision(), READY_TIMEOUT)
    except Exception as error:
        log.warning("readiness: database unavailable (%s)", type(error).__name__)
        return "database unavailable"
    if revision != head():
        return "database schema is not current: run `champbot db upgrade`"
    return None


def build(app: App, extra_routes: list[BaseRoute] | None = None) -> Starlette:
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})  # the process is alive and answering

    async def readyz(request: Request) -> Response:
        problem = await readiness(app.database)
        if problem is not None:
            return JSONResponse({"status": problem}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def metrics_page(request: Request) -> Response:
        body = await metrics.render(app.database, app.clock(), app.settings)
        return Response(body, media_type=metrics.CONTENT_TYPE)

    from bot.pages import act

    # /act is signed with SECRET_KEY or the stored secret; /media needs SECRET_KEY.
    pages: list[BaseRoute] = list(act.routes(app))
    if app.settings.secret_key is not None:
        from bot.pages import media

        pages += media.routes(app)
    return Starlette(routes=[
        Route("/healthz", healthz), Route("/readyz", readyz),
        Route("/metrics", metrics_page), *dashboard_routes(app), *pages,
        *(extra_routes or [])])
