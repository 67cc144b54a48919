"""The HTTP floor for the latency figure: a bare web app that answers each webhook at once
and posts one message back to the same local platform servers (no database, no bot).

    python -m benchmarks.echo PORT PLATFORMS_URL
"""

from __future__ import annotations

import base64
import contextlib
import sys
from typing import Any

import aiohttp
import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from benchmarks.channels import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER, TELEGRAM_TOKEN

BASIC = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()


def app(platforms: str) -> Starlette:
    clients: list[aiohttp.ClientSession] = []  # made in the server's event loop

    async def post(path: str, **kwargs: Any) -> None:
        if not clients:
            clients.append(aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=200),
                timeout=aiohttp.ClientTimeout(total=60)))
        # a lost echo shows as a lost reply
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with clients[0].post(platforms + path, **kwargs) as response:
                await response.read()

    async def whatsapp(request: Request) -> Response:
        form = await request.form()
        data = {"To": str(form["From"]), "From": f"whatsapp:{BOT_NUMBER}", "Body": "echo"}
        task = BackgroundTask(post, f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
                              data=data, headers={"Authorization": BASIC})
        return Response("<Response/>", media_type="text/xml", background=task)

    async def telegram(request: Request) -> Response:
        update = await request.json()
        data = {"chat_id": update["message"]["chat"]["id"], "text": "echo"}
        task = BackgroundTask(post, f"/bot{TELEGRAM_TOKEN}/sendMessage", json=data)
        return Response(background=task)

    return Starlette(routes=[Route("/twilio/whatsapp", whatsapp, methods=["POST"]),
                             Route("/telegram/webhook", telegram, methods=["POST"])])


if __name__ == "__main__":
    uvicorn.run(app(sys.argv[2]), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
