"""Fixtures of the email tests: a local SMTP server, and the web app served over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot import web
from bot.app import App
from tests.support.servers import serve
from tests.support.smtp_server import FakeSmtp, smtp_server


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtp]:
    async with smtp_server() as server:
        yield server


@pytest.fixture
async def browser(app: App) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(web.build(app)) as url, httpx.AsyncClient(base_url=url) as client:
        yield client
