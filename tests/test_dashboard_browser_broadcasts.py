"""Partners and Broadcasts in a real browser (Debian's Chromium, Playwright, a real
`champbot run`): a coordinator looks at the partners and their coverage, composes a
broadcast with English and Urdu texts to one area, sends it now, and the simulator's
champions receive it in their languages; the report shows the counts. Every page is
checked with axe-core and saved as a screenshot."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.app import App, utc_now
from bot.services import partners
from bot.storage.models import Role
from tests.support.broadcasts import FLU_TEXTS
from tests.support.chat import Chat, Recorder, joined
from tests.support.clock import FakeClock
from tests.support.people import add_person
from tests.test_cli import champbot
from tests.test_dashboard_browser import (  # noqa: F401 (server is a fixture)
    CHROMIUM,
    check_accessible,
    launch,
    screenshots,
    server,
    shown,
    visit,
)

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="no /usr/bin/chromium (apt-get install chromium)"),
              pytest.mark.usefixtures("programme")]


async def received(chat: Chat, clock: FakeClock, seconds: float = 60) -> str:
    """What reaches ``chat`` once the running server has written the broadcast (the
    simulator's clock kept with the server's, which wrote the rows at its real time)."""
    deadline = time.monotonic() + seconds
    while True:
        clock.now = utc_now()
        said = await chat.reads()
        if said or time.monotonic() > deadline:
            return said
        await asyncio.sleep(0.3)


async def test_a_coordinator_broadcasts_from_the_page_and_champions_receive_it(
        app: App, clock: FakeClock, environ: dict[str, str], tmp_path: Path,
        server: str) -> None:  # noqa: F811
    from playwright.async_api import async_playwright

    clock.now = utc_now()  # the running server keeps the real time
    recorder = Recorder("console")
    people = {code: await joined(app, f"champion-{code}", code, recorder=recorder)
              for code in ("en", "ur")}
    elsewhere = await joined(app, "champion-eastgate", "en", area="Eastgate",
                             recorder=recorder)
    carol = await add_person(app, Role.COORDINATOR, address="carol-desk")
    async with app.database.transaction() as db:
        await partners.add(db, partners.Changes(name="Northfield Surgery",
                                                categories=["gp_access"],
                                                areas=["Northfield"]), clock())
    folder = screenshots(environ)
    port = server.rsplit(":", 1)[1]
    link = champbot("dashboard", "link", "--person", str(carol), environ={
        **environ, "HTTP_PORT": port}, cwd=tmp_path).stdout.strip()
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(link)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{server}/dashboard/")

            await visit(page, f"{server}/dashboard/partners", "partners", folder)
            await shown(page.get_by_role("cell", name="No partner").first)
            await page.get_by_role("link", name="Northfield Surgery").click()
            await check_accessible(page, "partner")
            await page.screenshot(path=str(folder / "partner.png"), full_page=True)
            await visit(page, f"{server}/dashboard/partners/new", "partner-new", folder)

            await visit(page, f"{server}/dashboard/broadcasts/new", "broadcast-new", folder)
            await page.get_by_label("Northfield").check()
            await page.get_by_role("button", name="Count").click()
            await shown(page.get_by_text("2 people in all."))
            await page.get_by_label("Text in English").fill(FLU_TEXTS["en"])
            await page.get_by_label("Text in اردو").fill(FLU_TEXTS["ur"])
            await page.get_by_label("Urgent: send even during quiet hours").check()
            await page.get_by_role("button", name="Count").click()
            assert not await page.get_by_text("No text yet in these languages").count()
            await check_accessible(page, "broadcast-counted")
            await page.screenshot(path=str(folder / "broadcast-counted.png"), full_page=True)
            await page.get_by_role("button", name="Send", exact=True).click()
            await page.wait_for_url(f"{server}/dashboard/broadcasts/*")

            assert FLU_TEXTS["en"] in await received(people["en"], clock)
            assert FLU_TEXTS["ur"] in await received(people["ur"], clock)
            assert await elsewhere.reads() == ""  # another area

            await page.reload()
            by_language = await page.locator("#by-language + div table").inner_text()
            assert "English" in by_language and "اردو" in by_language
            rows = {line.split("\t")[0]: line.split("\t")[1:]
                    for line in by_language.splitlines()}
            assert rows["Total"][1] == "2"  # the "Sent" column
            await check_accessible(page, "broadcast-report")
            await page.screenshot(path=str(folder / "broadcast-report.png"), full_page=True)
            await visit(page, f"{server}/dashboard/broadcasts", "broadcasts", folder)
            await shown(page.get_by_role("cell", name="Started", exact=True))
        finally:
            await browser.close()
