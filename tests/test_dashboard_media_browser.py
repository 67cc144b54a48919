"""Issue 12's must-show with issue 14's files, in a real browser (Debian's Chromium,
Playwright, a real `champbot run` that sends email to a local SMTP server): a coordinator
signs in by a link received in chat and routes an Urdu champion's concern to a partner
service known only by email; the partner asks for a sign-in link on the page, opens the
link from the email, sees the photo (loaded, without GPS) and can play the voice note on
the concern's page, and resolves it; the champion hears back in Urdu. A partner of
another organisation cannot open the concern. axe-core checks each page."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.app import App, utc_now
from bot.storage.models import OutboxMessage
from flows.types import Reply
from tests.email.test_partner_media import fetch_files, raise_concern_with_files
from tests.support.chat import joined, make_coordinator, t
from tests.support.clock import FakeClock
from tests.support.partners import add_partner, partner_contact
from tests.support.servers import bound_socket
from tests.support.smtp_server import FakeSmtp, Received, smtp_server
from tests.test_dashboard_browser import (
    CHROMIUM,
    check_accessible,
    launch,
    screenshots,
    shown,
    start_run,
)
from tests.test_dashboard_concerns_browser import link_in_chat, shot
from tests.test_media_links import without_gps

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="no /usr/bin/chromium (apt-get install chromium)"),
              pytest.mark.usefixtures("programme")]

SECRET = "a-test-secret-of-some-length"
PARTNER_EMAIL = "damp@council.example"
NOTE = "The landlord has treated the mould."


@pytest.fixture
def port() -> int:
    sock = bound_socket()
    try:
        return int(sock.getsockname()[1])
    finally:
        sock.close()


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtp]:
    async with smtp_server() as server:
        yield server


@pytest.fixture
def environ(environ: dict[str, str], tmp_path: Path, port: int, smtp: FakeSmtp
            ) -> dict[str, str]:
    return {**environ, "SECRET_KEY": SECRET, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
           "MEDIA_DIR": str(tmp_path / "media"), "SMTP_URL": smtp.url(),
           "SMTP_FROM": "Champions <champions@riverside.test>"}


@pytest.fixture
async def server(environ: dict[str, str], tmp_path: Path, port: int) -> AsyncIterator[str]:
    """`champbot run` in its own process, on the test's database, media folder and SMTP."""
    process = start_run(environ, tmp_path, port)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as client:
            while True:
                try:
                    await client.get(f"{url}/healthz", timeout=2)
                    break
                except httpx.TransportError:
                    assert process.poll() is None, process.communicate()[1]
                    assert time.monotonic() < deadline, "champbot run did not start"
                    await asyncio.sleep(0.2)
        yield url
    finally:
        process.terminate()
        await asyncio.to_thread(process.communicate, timeout=30)


async def emailed(smtp: FakeSmtp, address: str, subject: str) -> Received:
    """The first email to ``address`` with ``subject``, waiting for it to arrive."""
    deadline = time.monotonic() + 30
    while True:
        for received in smtp.to(address):
            if received.subject == subject:
                return received
        assert time.monotonic() < deadline, [r.subject for r in smtp.received]
        smtp.arrived.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(smtp.arrived.wait(), timeout=1)


async def check_files(page: Any, reference: str) -> None:
    """The photo is shown (loaded, described) and the voice note can be played."""
    photo = page.get_by_alt_text(f"Photo 1 sent with concern {reference}")
    await photo.wait_for()
    await page.wait_for_function("() => [...document.querySelectorAll('.files img')]"
                                 ".every(img => img.complete)")
    assert await photo.evaluate("img => img.naturalWidth") > 0
    fetched = await page.request.get(await photo.evaluate("img => img.src"))
    assert fetched.status == 200 and without_gps(await fetched.body())
    audio = page.locator("audio[controls]")
    assert await audio.count() == 1
    source = await audio.evaluate("audio => audio.src")
    assert "/media/" in source
    played = await page.request.get(source)
    assert played.status == 200 and played.headers["content-type"].startswith("audio/")


async def test_a_partner_signed_in_by_email_sees_the_files_and_resolves_the_concern(
        app: App, clock: FakeClock, environ: dict[str, str], server: str,
        smtp: FakeSmtp) -> None:
    from playwright.async_api import async_playwright

    clock.now = utc_now()  # the running server keeps the real time
    carol = await make_coordinator(app)
    amina = await joined(app, "amina", code="ur")
    await raise_concern_with_files(amina, "سیڑھیوں میں سیلن اور کالی پھپھوندی", urgency="2")
    assert await fetch_files(app) == 2
    [reference] = set(re.findall(r"C-\d+", "\n".join(amina.replies)))
    # Partners join after the concern came in: a coordinator has to route it.
    await add_partner(app, emails=[PARTNER_EMAIL])
    food = await add_partner(app, "Eastside Food Bank", categories=["cost_of_living"])
    dana = await partner_contact(app, "dana", food, name="Dana")
    folder = screenshots(environ)
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(await link_in_chat(carol, server))
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{server}/dashboard/")
            await page.get_by_role("link", name="Concerns", exact=True).click()
            await page.get_by_role("link", name=reference).click()
            await check_files(page, reference)  # the coordinator sees them too
            await shot(page, folder, "concern-files-coordinator")
            await page.get_by_label("Partner service").select_option(label="Northfield Housing")
            await page.get_by_role("button", name="Route", exact=True).click()
            await shown(page.get_by_text("Done. The champion has been told."))

            partner = await browser.new_page(viewport={"width": 375, "height": 740})
            await partner.goto(f"{server}/dashboard/signin")
            await check_accessible(partner, "signin-email")
            await partner.get_by_label("Email address").fill(PARTNER_EMAIL)
            await partner.get_by_role("button", name="Email me a link").click()
            await shown(partner.get_by_text("Check your email"))
            email = await emailed(smtp, PARTNER_EMAIL, "Your link to the dashboard")
            [link] = [found for found in email.links if "/dashboard/signin/" in found]
            assert link.startswith(f"{server}/dashboard/signin/")
            await partner.goto(link)
            await partner.get_by_role("button", name="Sign in").click()
            await partner.wait_for_url(f"{server}/dashboard/concerns")
            await partner.get_by_role("link", name=reference).click()
            await check_files(partner, reference)
            await shot(partner, folder, "concern-files-partner-phone")
            concern_page = partner.url
            await partner.get_by_label("A short note for the champion").fill(NOTE)
            await partner.get_by_role("button", name="Resolved").click()
            await shown(partner.get_by_text("Done. The champion has been told."))

            other = await browser.new_page(viewport={"width": 375, "height": 740})
            await other.goto(await link_in_chat(dana, server))
            await other.get_by_role("button", name="Sign in").click()
            await other.wait_for_url(f"{server}/dashboard/concerns")
            refused = await other.goto(concern_page)
            assert refused is not None and refused.status in (403, 404)
            assert await other.locator("img, audio").count() == 0
        finally:
            await browser.close()
    async with app.database.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.address == "amina").order_by(OutboxMessage.id)))
    told = Reply.from_dict(rows[-1].payload)
    assert told.language == "ur"
    assert told.text == t("ur", "Update on your concern {reference}: {partner} has dealt "
                                "with it.", reference=reference,
                          partner="Northfield Housing") + f"\n“{NOTE}”"
