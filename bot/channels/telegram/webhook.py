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
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Bot, Update

log = logging.getLogger(__name__)

PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000  # updates are small; anything this big is not from Telegram


# The fields we read, and their JSON types: anything else in an update is refused
# with 400 before it is handled (never a 500 from code that trusted a type).
_INT, _STR, _OBJ = (int,), (str,), (dict,)
USER = {"id": _INT, "language_code": _STR, "first_name": _STR, "is_bot": (bool,)}
CHAT = {"id": _INT, "type": _STR}
MESSAGE = {"message_id": _INT, "date": _INT, "chat": CHAT, "from": USER, "text": _STR,
           "caption": _STR, "edit_date": _INT, "photo": (list,), "location": _OBJ,
           "venue": _OBJ, "voice": _OBJ, "audio": _OBJ, "video": _OBJ, "document": _OBJ,
           "video_note": _OBJ}
CALLBACK = {"id": _STR, "from": USER, "data": _STR, "message": MESSAGE}
UPDATE = {"update_id": _INT, "message": MESSAGE, "edited_message": MESSAGE,
          "callback_query": CALLBACK}
REQUIRED = {id(UPDATE): ("update_id",), id(MESSAGE): ("message_id", "date", "chat"),
            id(CHAT): ("id", "type"), id(USER): ("id",), id(CALLBACK): ("id", "from")}


def malformed(data: object, shape: Mapping[str, object] = UPDATE, where: str = "update"
              ) -> str | None:
    """What is wrong with a decoded update, or None when each field we read has its type."""
    if not isinstance(data, dict):
        return f"{where} is not an object"
    for name in REQUIRED.get(id(shape), ()):
        if data.get(name) is None:
            return f"{where}.{name} is missing"
    for name, expected in shape.items():
        value = data.get(name)
        if value is None:
            continue
        if isinstance(expected, dict):
            problem = malformed(value, expected, f"{where}.{name}")
            if problem:
                return problem
        elif isinstance(expected, tuple) and not _typed(value, expected):
            return f"{where}.{name} has the wrong type"
    return None


def _typed(value: object, expected: tuple[type, ...]) -> bool:
    # JSON true is not a number, though Python's bool is an int.
    return isinstance(value, expected) and (bool in expected or not isinstance(value, bool))


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
            data = json.loads(body)
            problem = malformed(data)
            update = None if problem else Update.de_json(data, connected)
        except Exception as error:  # whatever the library makes of nonsense, it is not ours
            problem = f"unreadable update ({type(error).__name__})"
        if problem or update is None:
            log.warning("telegram webhook: update refused: %s", problem)
            return PlainTextResponse(problem or "unreadable update", status_code=400)
        await process(update)
        return PlainTextResponse("ok")

    return Route(PATH, receive, methods=["POST"])
