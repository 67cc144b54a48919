"""What a partner is told to do about a champion who asked to stay anonymous, by how the
partner is reached: in chat, "reply through champbot"; by email, the email's own links
(a partner reached only by email has no champbot chat); on the link's page, nothing to do
elsewhere. The emails go through the dispatcher to a local SMTP server, read as a mail
program would."""

from __future__ import annotations

import httpx
import pytest

from bot.app import App
from bot.services import digests
from bot.storage.models import Partner
from tests.email.test_partner_email import SECRET, SITE, link, mail
from tests.support.chat import joined, t
from tests.support.clock import FakeClock
from tests.support.pages import Page
from tests.support.partners import add_partner, partner_contact
from tests.support.smtp_server import FakeSmtp
from tests.test_escalations import raise_concern

pytestmark = pytest.mark.usefixtures("programme")

IN_CHAT = "The champion asked to stay anonymous; reply through champbot."
BY_EMAIL = "The champion asked to stay anonymous; reply with the links below."
ON_THE_PAGE = "The champion asked to stay anonymous."


@pytest.fixture
def environ(database_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "PROGRAMME_NAME": "Riverside Health Champions",
            "SECRET_KEY": SECRET, "PUBLIC_BASE_URL": SITE}


async def test_an_email_only_partner_answers_an_anonymous_champion_with_the_emails_links(
        app: App, smtp: FakeSmtp, browser: httpx.AsyncClient) -> None:
    await add_partner(app, emails=["damp@council.example"])  # nobody of theirs in chat
    await raise_concern(await joined(app, "layla", name="Layla"), urgency="1", contact="2")

    [email] = await mail(app, smtp)  # the urgent alert, at once
    assert email.subject == "URGENT concern C-1001 for Northfield Housing · Housing and damp"
    for body in (email.text, email.html or ""):
        assert BY_EMAIL in body
        assert "through champbot" not in body and "Layla" not in body
        assert "Send ACK" not in body and "Reply ACK" not in body
    assert "Resolved: https://champ.test/act/" in email.text  # the links it speaks of

    page = Page.of(await browser.get(link(email, "Resolved")))  # and where they lead
    assert page.status == 200 and page.sees("C-1001: Resolved") and page.sees(ON_THE_PAGE)
    assert not page.sees("through champbot") and not page.sees("links below")


async def test_a_partner_in_chat_and_by_email_reads_each_channels_own_wording(
        app: App, smtp: FakeSmtp) -> None:
    partner = await add_partner(app, emails=["damp@council.example"])
    hana = await partner_contact(app, "hana", partner)
    await raise_concern(await joined(app, "layla", name="Layla"), urgency="1", contact="2")

    await hana.reads()  # chat keeps the chat wording
    hana.sees("URGENT concern C-1001 for Northfield Housing", IN_CHAT, "Reply ACK C-1001")
    hana.does_not_see("links below")
    [email] = await mail(app, smtp)  # the same alert by email speaks of its links
    assert BY_EMAIL in email.text and BY_EMAIL in (email.html or "")
    assert "through champbot" not in email.text


async def test_an_email_digest_in_polish_points_anonymous_items_to_their_links(
        app: App, smtp: FakeSmtp, clock: FakeClock) -> None:
    partner_id = await add_partner(app, emails=["damp@council.example"], language="pl")
    await raise_concern(await joined(app, "amina"))  # may be contacted
    await raise_concern(await joined(app, "layla", name="Layla"),
                        "Water comes through the ceiling of the flats.", contact="2")
    assert await mail(app, smtp) == []  # not urgent: they wait for the digest

    clock.advance(minutes=5)
    async with app.database.transaction() as session:
        partner = await session.get(Partner, partner_id)
        assert partner is not None
        await digests.send(session, partner, clock(), app.settings)
    [email] = await mail(app, smtp)
    text = email.text.replace("\r\n", "\n")
    layla = text.split("\nC-1002 · ", 1)[1]  # the anonymous item, and what follows it
    assert t("pl", BY_EMAIL) in layla.split("\n\n", 1)[0]
    assert t("pl", BY_EMAIL) != BY_EMAIL  # translated, not English
    assert "☎ Amina, console amina" in text  # the champion who agreed is named
    assert t("pl", IN_CHAT) not in text and t("pl", IN_CHAT) not in (email.html or "")
    assert t("pl", BY_EMAIL) in (email.html or "")
