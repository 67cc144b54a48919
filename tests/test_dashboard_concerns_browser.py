"""Concerns in a real browser (Debian's Chromium, Playwright, a real `champbot run`): a
coordinator signs in by a link received in chat and routes a concern to a partner; the
partner's contact, signed in by a link of their own, resolves it with a note; the champion
hears back in Polish. axe-core checks each new page; screenshots are saved."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App, utc_now
from bot.services import demo
from bot.storage.models import OutboxMessage
from flows.types import Reply
from tests.support.chat import Chat, joined, make_coordinator
from tests.support.clock import FakeClock
from tests.support.partners import add_partner, partner_contact
from tests.test_dashboard_browser import (  # noqa: F401  (server is a fixture)
    CHROMIUM,
    check_accessible,
    launch,
    screenshots,
    server,
    shown,
)
from tests.test_dashboard_concerns import raise_concern

LINK = re.compile(r"http://\S+/dashboard/signin/(\S+)")
pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="no /usr/bin/chromium (apt-get install chromium)"),
              pytest.mark.usefixtures("programme")]


async def link_in_chat(chat: Chat, base: str) -> str:
    """The sign-in link the bot sends after /dashboard, pointed at the running server."""
    await chat.says("/dashboard")
    found = LINK.search("\n".join(chat.replies))
    assert found, chat.replies
    return f"{base}/dashboard/signin/{found.group(1)}"


async def shot(page: Any, folder: Path, name: str) -> None:
    await check_accessible(page, name)
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


async def test_a_concern_is_routed_and_resolved_in_the_browser(
        app: App, clock: FakeClock, environ: dict[str, str], server: str,  # noqa: F811
        programme: demo.Demo) -> None:
    from playwright.async_api import async_playwright

    clock.now = utc_now()  # the running server keeps the real time
    housing = await add_partner(app)
    hana = await partner_contact(app, "hana", housing, name="Hana")
    carol = await make_coordinator(app)
    amina = await joined(app, "amina", code="pl")
    concern = await raise_concern(app, amina, category="transport", words="No bus on Sundays")
    reference = f"C-{1000 + concern}"
    await amina.reads()
    folder = screenshots(environ)
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(await link_in_chat(carol, server))
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{server}/dashboard/")
            await shot(page, folder, "overview-concerns")
            await page.get_by_role("link", name="Concerns", exact=True).click()
            await shot(page, folder, "concerns")
            await page.get_by_role("link", name=reference).click()
            await shot(page, folder, "concern-coordinator")
            await page.get_by_label("Partner service").select_option(label="Northfield Housing")
            await page.get_by_role("button", name="Route", exact=True).click()
            await shown(page.get_by_text("Done. The champion has been told."))

            partner = await browser.new_page(viewport={"width": 375, "height": 740})
            await partner.goto(await link_in_chat(hana, server))
            await partner.get_by_role("button", name="Sign in").click()
            await partner.wait_for_url(f"{server}/dashboard/concerns")
            await shot(partner, folder, "concerns-partner-phone")
            await partner.get_by_role("link", name=reference).click()
            await shot(partner, folder, "concern-partner-phone")
            await partner.get_by_label("A short note for the champion").fill(
                "A Sunday bus starts next month")
            await partner.get_by_role("button", name="Resolved").click()
            await shown(partner.get_by_text("Done. The champion has been told."))
            await shot(partner, folder, "concern-resolved-phone")
        finally:
            await browser.close()
    # The running server's dispatcher delivers the champion's messages: read its outbox.
    async with app.database.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.address == "amina").order_by(OutboxMessage.id)))
    told = Reply.from_dict(rows[-1].payload)
    assert told.language == "pl"
    assert reference in told.text and "A Sunday bus starts next month" in told.text
