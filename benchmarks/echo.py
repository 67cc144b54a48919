"""The HTTP floor for the latency figure: a bare web app that answers each webhook at once
and posts one message back to the same local platform servers (no database, no bot).

    python -m benchmarks.echo PORT PLATFORMS_URL
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from benchmarks.channels import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER, TELEGRAM_TOKEN


def app(platforms: str) -> Starlette:
    client = httpx.AsyncClient(base_url=platforms, timeout=60,
                               limits=httpx.Limits(max_connections=200))

    async def post(path: str, **kwargs: Any) -> None:
        with contextlib.suppress(httpx.HTTPError):  # a lost echo shows as a lost reply
            await client.post(path, **kwargs)

    async def whatsapp(request: Request) -> Response:
        form = await request.form()
        data = {"To": str(form["From"]), "From": f"whatsapp:{BOT_NUMBER}", "Body": "echo"}
        task = BackgroundTask(post, f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
                              data=data, auth=(ACCOUNT_SID, AUTH_TOKEN))
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
