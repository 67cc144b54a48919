"""WhatsApp over real HTTP: champbot's web app and a local Twilio server, both on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot import web
from bot.app import App
from bot.channels import whatsapp as channel
from bot.dispatch import Dispatcher
from tests.support.servers import serve
from tests.support.twilio_server import FakeTwilio
from tests.support.whatsapp import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BOT_NUMBER,
    PUBLIC_BASE_URL,
    SOMALI_NUMBER,
    TEMPLATES,
    UK_NUMBER,
    Phone,
    Webhooks,
    WhatsApp,
    joined,
)


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    async with serve(fake.app) as url:
        fake.url = url
        yield fake


@pytest.fixture
def templates() -> dict[str, object]:
    return TEMPLATES


@pytest.fixture
def environ(
    environ: dict[str, str], twilio: FakeTwilio, templates: dict[str, object], tmp_path: Path
) -> dict[str, str]:
    path = tmp_path / "whatsapp-templates.json"
    path.write_text(json.dumps(templates), encoding="utf-8")
    return {**environ, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_WHATSAPP_FROM": BOT_NUMBER, "TWILIO_API_BASE_URL": twilio.url,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "WHATSAPP_TEMPLATES_FILE": str(path)}


@pytest.fixture
async def whatsapp(app: App, twilio: FakeTwilio) -> AsyncIterator[WhatsApp]:
    """The WhatsApp channel as `champbot run` wires it, served on 127.0.0.1."""
    parts = channel.parts(app)
    async with (serve(web.build(app, parts.routes)) as url,
                httpx.AsyncClient(base_url=url) as client):
        for step in parts.startup:
            await step()
        try:
            yield WhatsApp(app, twilio, Webhooks(client),
                           Dispatcher(app.database, [parts.sender], app.clock))
        finally:
            for step in parts.shutdown:
                await step()


@pytest.fixture(params=[(UK_NUMBER, "en"), (SOMALI_NUMBER, "so")], ids=["english", "somali"])
async def champion(request: pytest.FixtureRequest, whatsapp: WhatsApp, programme: object) -> Phone:
    """A champion who joined on WhatsApp (in English, then in Somali), at the main menu."""
    number, code = request.param
    return await joined(whatsapp, number, code, name="Hodan" if code == "so" else "Amina")
