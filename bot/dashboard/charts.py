"""Charts at signed, short-lived addresses, for channels that fetch media by URL
(WhatsApp through Twilio): no session needed, the address itself is the permission."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from bot.app import App
from bot.dashboard.secrets import secret
from bot.services import charts, impact
from bot.settings import Settings
from flows.i18n import language

LIFETIME = timedelta(hours=1)
PURPOSE = "impact-chart"


async def signed_url(db: AsyncSession, settings: Settings, now: datetime, start: date,
                     end: date, lang: str, areas: frozenset[int]) -> str:
    token = URLSafeSerializer(await secret(db, settings, now), salt=PURPOSE).dumps(
        {"s": start.isoformat(), "e": end.isoformat(), "l": lang, "a": sorted(areas),
         "t": int(now.timestamp())})
    base = settings.public_base_url or f"http://{settings.http_host}:{settings.http_port}"
    return f"{base.rstrip('/')}/dashboard/charts/{token}.png"


def endpoint(app: App) -> Callable[[Request], Awaitable[Response]]:
    async def chart(request: Request) -> Response:
        now = app.clock()
        async with app.database.transaction() as db:
            key = await secret(db, app.settings, now)
            try:
                data = URLSafeSerializer(key, salt=PURPOSE).loads(
                    str(request.path_params["token"]))
                start, end = date.fromisoformat(data["s"]), date.fromisoformat(data["e"])
                fresh = now.timestamp() - int(data["t"]) <= LIFETIME.total_seconds()
            except (BadSignature, KeyError, TypeError, ValueError):
                return Response("not found", status_code=404, media_type="text/plain")
            if not fresh:
                return Response("expired", status_code=410, media_type="text/plain")
            report = await impact.report(db, start, end, frozenset(data.get("a", ())))
        with language(str(data.get("l", "en"))):
            body = charts.png(report)
        return Response(body, media_type="image/png",
                        headers={"Cache-Control": "private, max-age=3600"})

    return chart
