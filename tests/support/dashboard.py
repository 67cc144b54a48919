"""Driving the dashboard over plain HTTP in tests: sign someone in, read a page's form token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

import httpx

from bot import web
from bot.app import App
from bot.dashboard.tokens import make_signin_link
from bot.storage.models import Activity


@asynccontextmanager
async def browser(app: App) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app (no redirects followed, cookies kept)."""
    transport = httpx.ASGITransport(app=web.build(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def link_for(app: App, person_id: int) -> str:
    async with app.database.transaction() as session:
        return await make_signin_link(session, app.settings, "http://test", person_id,
                                      app.clock())


async def sign_in(app: App, client: httpx.AsyncClient, person_id: int) -> httpx.Response:
    """Open a fresh link and press Sign in, as a person would."""
    path = (await link_for(app, person_id)).removeprefix("http://test")
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return await client.post(path)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no form token on the page"
    return found.group(1)


async def add_activity(app: App, person_id: int | None, day: date, people: int,
                       minutes: int = 60, topic: str = "diabetes", kind: str = "group",
                       area_id: int | None = None) -> None:
    async with app.database.transaction() as session:
        session.add(Activity(person_id=person_id, kind=kind, topic=topic, happened_on=day,
                             area_id=area_id, venue="community_centre",
                             people_reached=people, minutes_given=minutes,
                             created_at=app.clock()))
