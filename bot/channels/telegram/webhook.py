"""POST /telegram/webhook: updates pushed by Telegram, on the project's one web app.

A request without our secret header is refused (403) before anything is read.
An update is handled before we answer 200, so one Telegram delivered is one
we kept; if we fail before answering, Telegram sends it again and the dedupe
makes the second delivery harmless.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Bot, Update

log = logging.getLogger(__name__)

PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000  # updates are small; anything this big is not from Telegram


def route(
    secret: str, bot: Callable[[], Bot | None], process: Callable[[Update], Awaitable[None]]
) -> Route:
    """``bot`` gives the connected bot, or None while still connecting (we then answer 503
    and Telegram tries again)."""
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("telegram webhook: request without the right secret refused")
            return PlainTextResponse("forbidden", status_code=403)
        connected = bot()
        if connected is None:
            return PlainTextResponse("starting", status_code=503)
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
        try:
            update = Update.de_json(json.loads(body), connected)
        except (ValueError, TypeError, KeyError):
            log.warning("telegram webhook: unreadable update refused")
            return PlainTextResponse("unreadable update", status_code=400)
        await process(update)
        return PlainTextResponse("ok")

    return Route(PATH, receive, methods=["POST"])
