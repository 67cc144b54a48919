"""Local stand-ins for Twilio's Messages API and Telegram's Bot API, as light as they can
be: they accept what is sent, answer as the platform does, and count arrivals per
recipient so a benchmark can wait for a reply. No rules are checked (tests/support has
the faithful fakes) except, when asked, each platform's messages-a-second cap: a message
over it is refused with a 429, as the platform does, and counted."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "bench-auth-token-5f2b7c1e9a"
BOT_NUMBER = "+14155238886"
TELEGRAM_TOKEN = "123456:BENCH-token"
WEBHOOK_SECRET = "bench-webhook-secret"
MESSAGES = ("sendMessage", "editMessageText", "sendPhoto", "sendDocument")


def champbot_environ(database_url: str, local: str, folder: Path) -> dict[str, str]:
    """`champbot run` settings with WhatsApp and Telegram (webhook mode) pointed at the
    local stand-ins served at ``local``."""
    return {
        "DATABASE_URL": database_url, "DATABASE_POOL_SIZE": "50",  # as in production
        "MEDIA_DIR": str(folder / "media"),
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_API_BASE_URL": f"{local}/bot",
        "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": BOT_NUMBER, "TWILIO_API_BASE_URL": local}


class Arrivals:
    """How many messages each recipient has received; wait for the n-th."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self.waiting: dict[str, list[tuple[int, asyncio.Future[float]]]] = defaultdict(list)

    def arrived(self, who: str) -> None:
        self.counts[who] += 1
        now = time.perf_counter()
        still = []
        for target, future in self.waiting[who]:
            if self.counts[who] >= target and not future.done():
                future.set_result(now)
            elif not future.done():
                still.append((target, future))
        self.waiting[who] = still

    async def until(self, who: str, target: int, seconds: float) -> float:
        """perf_counter() when ``who`` had received ``target`` messages."""
        if self.counts[who] >= target:
            return time.perf_counter()
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[who].append((target, future))
        async with asyncio.timeout(seconds):
            return await future


class Platforms:
    """Both fakes on one Starlette app (one port). ``caps``: messages a second each
    platform ("whatsapp", "telegram") accepts in any one second; more are refused."""

    def __init__(self, caps: dict[str, float] | None = None) -> None:
        self.caps = caps or {}
        self.accepted: dict[str, list[float]] = defaultdict(list)  # monotonic times
        self.refused: dict[str, int] = defaultdict(int)
        self._window: dict[str, deque[float]] = defaultdict(deque)
        self.arrivals = Arrivals()
        self.webhook_set = asyncio.Event()
        self._ids = itertools.count(1)
        self.app = Starlette(routes=[
            Route("/2010-04-01/Accounts/{sid}/Messages.json", self._twilio, methods=["POST"]),
            Route("/bot{token}/{method}", self._telegram, methods=["POST", "GET"])])

    def _admit(self, platform: str) -> bool:
        """Whether one more message fits this platform's cap now (and note it)."""
        now = time.monotonic()
        cap = self.caps.get(platform)
        if cap is not None:
            window = self._window[platform]
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= cap:
                self.refused[platform] += 1
                return False
            window.append(now)
        self.accepted[platform].append(now)
        return True

    async def _twilio(self, request: Request) -> Response:
        form = await request.form()
        if not self._admit("whatsapp"):
            return JSONResponse({"code": 20429, "message": "Too Many Requests",
                                 "more_info": "https://www.twilio.com/docs/errors/20429",
                                 "status": 429}, status_code=429)
        to = str(form.get("To", ""))
        self.arrivals.arrived("whatsapp:" + to.removeprefix("whatsapp:"))
        sid = f"SM{next(self._ids):032x}"
        uri = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"
        return JSONResponse({
            "sid": sid, "account_sid": ACCOUNT_SID, "api_version": "2010-04-01", "to": to,
            "from": str(form.get("From", "")), "body": str(form.get("Body", "")),
            "status": "queued", "direction": "outbound-api", "num_segments": "1",
            "num_media": "0", "date_created": None, "date_updated": None,
            "date_sent": None, "error_code": None, "error_message": None, "price": None,
            "price_unit": "USD", "messaging_service_sid": None, "uri": uri,
            "subresource_uris": {}}, status_code=201)

    async def _telegram(self, request: Request) -> Response:
        method = request.path_params["method"]
        params = await _params(request)
        result: Any = True
        if method == "getMe":
            result = {"id": 123456, "is_bot": True, "first_name": "Champions",
                      "username": "champions_bench_bot", "can_join_groups": False,
                      "can_read_all_group_messages": False, "supports_inline_queries": False}
        elif method == "setWebhook":
            self.webhook_set.set()
        elif method == "getWebhookInfo":
            result = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        elif method in MESSAGES or method == "editMessageReplyMarkup":
            if method in MESSAGES and not self._admit("telegram"):
                return JSONResponse({"ok": False, "error_code": 429,
                                     "description": "Too Many Requests: retry after 1",
                                     "parameters": {"retry_after": 1}}, status_code=429)
            chat = int(params.get("chat_id") or 0)
            if method in MESSAGES:
                self.arrivals.arrived(f"telegram:{chat}")
            result = {"message_id": int(params.get("message_id") or next(self._ids)),
                      "date": int(time.time()),
                      "chat": {"id": chat, "type": "private", "first_name": "Sam"},
                      "text": str(params.get("text") or params.get("caption") or "")}
        return JSONResponse({"ok": True, "result": result})


async def _params(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        return dict(json.loads(await request.body() or b"{}"))
    return {k: v for k, v in (await request.form()).items()}
