"""The whole way round: an email with an unsubscribe link, the link opened and confirmed
over HTTP, and no more email to that address."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from bot import web
from bot.app import App
from bot.channels.email.sender import EmailSender
from bot.dispatch import Dispatcher
from bot.services import emails
from bot.settings import load_settings
from bot.storage.models import OutboxMessage, OutboxStatus
from tests.support.pages import Page
from tests.support.servers import serve
from tests.support.smtp_server import smtp_server


async def test_an_emailed_unsubscribe_link_stops_further_email(app: App) -> None:
    async with smtp_server() as smtp:
        settings = load_settings({
            "DATABASE_URL": app.settings.database_url, "SMTP_URL": smtp.url(),
            "SMTP_FROM": "Champions <bot@champ.test>", "SECRET_KEY": "k" * 32,
            "PUBLIC_BASE_URL": "http://placeholder", "PROGRAMME_NAME": "Riverside"},
            env_file=None)
        wired = App(settings, app.database, app.clock)
        dispatcher = Dispatcher(app.database, [EmailSender.from_settings(settings, app.clock)],
                                app.clock)
        async with serve(web.build(wired)) as site:
            settings = settings.model_copy(update={"public_base_url": site})
            async with app.database.transaction() as session:
                url = emails.unsubscribe_url(settings, "ann@example.org", app.clock())
                await emails.enqueue_email(
                    session, "ann@example.org", "Your digest", f"To stop these emails: {url}",
                    now=app.clock(), kind="digest", unsubscribe_url=url)
            await dispatcher.drain()
            [mail] = smtp.received
            [link] = mail.links
            assert mail.header("List-Unsubscribe") == f"<{link}>"

            async with httpx.AsyncClient() as browser:
                form = Page.of(await browser.get(link))
                assert form.sees("Stop all emails from Riverside to ann@example.org?")
                done = Page.of(await browser.post(link, data=form.form))
            assert done.sees("We will not email ann@example.org again.")

        async with app.database.transaction() as session:
            await emails.enqueue_email(session, "ann@example.org", "Next digest", "…",
                                       now=app.clock(), kind="digest")
        await dispatcher.drain()
        assert len(smtp.received) == 1
        async with app.database.transaction() as session:
            last = await session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
        assert last is not None and last.status == OutboxStatus.DEAD
        assert last.error == "recipient has opted out"
