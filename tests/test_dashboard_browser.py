"""The dashboard in a real browser: Debian's Chromium driven by Playwright against a real
`champbot run`, on SQLite and PostgreSQL. Sign in by a link, open every page, check each
with axe-core, export impact as XLSX and compare it with the database. Screenshots of
each page are saved for a reviewer (the path is printed)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.app import App, utc_now
from bot.storage.models import Activity, Person, Role, Status
from tests.support.clock import FakeClock
from tests.support.dashboard import add_activity
from tests.support.people import add_person
from tests.support.processes import free_port, serving
from tests.test_cli import champbot

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "tests" / "support" / "axe" / "axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="no /usr/bin/chromium (apt-get install chromium)")


def screenshots(environ: dict[str, str]) -> Path:
    """Where a browser test's screenshots go, one folder per database."""
    folder = SHOTS / ("postgresql" if "postgresql" in environ["DATABASE_URL"] else "sqlite")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def shown(locator: Any) -> None:
    """The locator is on screen, waiting for it as a person would: after a click the page may
    still be loading (an instant `is_visible()` reads the page being left)."""
    from playwright.async_api import expect
    await expect(locator).to_be_visible(timeout=20_000)


async def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless (browsers cannot be downloaded here)."""
    return await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


def start_run(environ: dict[str, str], cwd: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
             **environ, "HTTP_PORT": str(port)},
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
async def server(environ: dict[str, str], tmp_path: Path) -> AsyncIterator[str]:
    """`champbot run` in its own process, on the test's database."""
    port = free_port()
    # A programme with its Telegram bot named, so invites carry a link and a QR code.
    process = start_run({**environ, "TELEGRAM_BOT_USERNAME": "RiversideBot"}, tmp_path, port)
    url = f"http://127.0.0.1:{port}"
    try:
        await serving(url, process)
        yield url
    finally:
        process.terminate()
        await asyncio.to_thread(process.communicate, timeout=30)


async def seed(app: App) -> int:
    """A coordinator, champions (one waiting), and activities over three months."""
    carol = await add_person(app, Role.COORDINATOR, address="carol")
    async with app.database.transaction() as session:
        person = await session.get(Person, carol)
        assert person is not None
        person.display_name = "Carol"
        now = app.clock()
        for n, status in enumerate([Status.ACTIVE, Status.ACTIVE, Status.PENDING]):
            session.add(Person(role=Role.CHAMPION, status=status, language="ur",
                               display_name=f"Amina {n}", topics=[], created_at=now,
                               updated_at=now))
    today = app.clock().date()
    for back, people, topic, kind in [(0, 12, "diabetes", "group"),
                                      (3, 30, "vaccination", "stall"),
                                      (35, 8, "mental_health", "one_to_one"),
                                      (70, 40, "diabetes", "group")]:
        await add_activity(app, None, today - timedelta(days=back), people, 90, topic, kind)
    return carol


async def check_accessible(page: Any, name: str) -> None:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => await axe.run(document, "
                                 "{resultTypes: ['violations']})")
    bad = [{"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"]][:3]}
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{name}: {json.dumps(bad, indent=1)}"


async def visit(page: Any, url: str, name: str, folder: Path) -> None:
    response = await page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    await check_accessible(page, name)
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


async def test_a_coordinator_uses_the_dashboard_in_a_browser(
        app: App, clock: FakeClock, environ: dict[str, str], tmp_path: Path,
        server: str) -> None:
    from playwright.async_api import async_playwright

    clock.now = utc_now()  # the running server keeps the real time
    carol = await seed(app)
    folder = screenshots(environ)
    print(f"\nscreenshots: {folder}")
    port = server.rsplit(":", 1)[1]
    link = champbot("dashboard", "link", "--person", str(carol), environ={
        **environ, "HTTP_PORT": port}, cwd=tmp_path).stdout.strip()
    assert link.startswith(f"{server}/dashboard/signin/")
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900},
                                          accept_downloads=True)
            await page.goto(link)
            await page.screenshot(path=str(folder / "signin.png"))
            await check_accessible(page, "signin")
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{server}/dashboard/")
            await shown(page.get_by_role("heading", name="Overview"))
            await check_accessible(page, "overview")
            await page.screenshot(path=str(folder / "overview.png"), full_page=True)

            await visit(page, f"{server}/dashboard/champions", "champions", folder)
            await page.get_by_role("link", name="Amina 2").click()
            await page.get_by_role("button", name="Approve: let them start").click()
            await shown(page.get_by_text("Pause: send them nothing for now"))
            await check_accessible(page, "champion")
            await page.screenshot(path=str(folder / "champion.png"), full_page=True)

            await visit(page, f"{server}/dashboard/champions/invite", "invite-form", folder)
            await page.get_by_label("How many people may join with one code").fill("25")
            await page.get_by_role("button", name="Make an invite code").click()
            await shown(page.get_by_role("img", name="QR code"))
            await check_accessible(page, "invite")
            await page.screenshot(path=str(folder / "invite.png"), full_page=True)

            await visit(page, f"{server}/dashboard/impact", "impact", folder)
            await visit(page, f"{server}/dashboard/audit", "audit", folder)

            start, end = clock.now.date() - timedelta(days=40), clock.now.date()
            await page.goto(f"{server}/dashboard/impact?from={start}&to={end}")
            async with page.expect_download() as waiting:
                await page.get_by_role("link", name="Excel (XLSX)").click()
            download = await waiting.value
            saved = tmp_path / download.suggested_filename
            await download.save_as(saved)
            await compare_with_database(app, saved, start, end)

            phone = await browser.new_page(viewport={"width": 375, "height": 740})
            await phone.context.add_cookies(await page.context.cookies())
            await visit(phone, f"{server}/dashboard/impact", "impact-phone", folder)

            async with app.database.transaction() as session:
                me = await session.get(Person, carol)
                assert me is not None
                me.language = "ar"
            await page.goto(f"{server}/dashboard/")
            assert await page.get_attribute("html", "dir") == "rtl"
            await visit(page, f"{server}/dashboard/", "overview-arabic", folder)
        finally:
            await browser.close()


async def compare_with_database(app: App, xlsx: Path, start: date, end: date) -> None:
    sheet = load_workbook(xlsx).active
    totals = [cell.value for cell in sheet[3]]
    async with app.database.transaction() as session:
        count, people, minutes = (await session.execute(select(
            func.count(Activity.id), func.sum(Activity.people_reached),
            func.sum(Activity.minutes_given)).where(
            Activity.happened_on.between(start, end)))).one()
    assert totals[1:4] == [count, people, round(minutes / 60, 1)]
    assert count == 3  # the activity 70 days ago is outside the range
