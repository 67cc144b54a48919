"""A partner service by email, through the real paths: the dispatcher sends to a local SMTP
server, the test reads the email as a mail program would (both parts, the CSV, the links),
then a person opens the links on the /act page over real HTTP."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from bot import web
from bot.app import App
from bot.channels.base import Limits
from bot.channels.email.sender import EmailSender
from bot.dispatch import Dispatcher
from bot.services import digests, links
from bot.settings import SmtpServer
from bot.storage.models import (
    Area,
    AuditEntry,
    Concern,
    ConcernStatus,
    Escalation,
    EscalationStatus,
    Partner,
)
from tests.support.chat import joined, t
from tests.support.clock import FakeClock
from tests.support.pages import Page
from tests.support.partners import add_partner, partner_contact
from tests.support.servers import serve
from tests.support.smtp_server import FakeSmtp, Received, smtp_server
from tests.test_escalations import raise_concern

pytestmark = pytest.mark.usefixtures("programme")

SECRET = "a-test-secret-of-some-length"
SITE = "https://champ.test"
POLISH = "Trzy rodziny mają czarną pleśń, a właściciel nie odpowiada."
NOTE = "Mould treated; the landlord will fix the roof by Friday."


@pytest.fixture
def environ(database_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "PROGRAMME_NAME": "Riverside Health Champions",
            "SECRET_KEY": SECRET, "PUBLIC_BASE_URL": SITE}


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtp]:
    async with smtp_server() as server:
        yield server


@pytest.fixture
async def browser(app: App) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(web.build(app)) as url, httpx.AsyncClient(base_url=url) as client:
        yield client


async def mail(app: App, smtp: FakeSmtp) -> list[Received]:
    """Send every email waiting in the outbox; what arrived since."""
    before = len(smtp.received)
    sender = EmailSender(SmtpServer.parse(smtp.url()), "Champions <champions@riverside.test>",
                         Limits(per_second=100), app.clock)
    await Dispatcher(app.database, [sender], app.clock).drain()
    return smtp.received[before:]


def link(email: Received, label: str, reference: str | None = None) -> str:
    """The path of the link labelled ``label`` (under ``reference``) in the plain text."""
    text = email.text.replace("\r\n", "\n")
    text = text.split(f"\n{reference}\n", 1)[1] if reference else text
    found = re.search(rf"^{re.escape(label)}: ({re.escape(SITE)}/act/\S+)", text, re.M)
    assert found, f"no {label!r} link"
    assert found.group(1) in (email.html or "")  # the same link in the HTML part
    return found.group(1).removeprefix(SITE)


async def escalation_of(app: App, reference: str, partner_id: int) -> Escalation:
    async with app.database.transaction() as session:
        found = await session.scalar(select(Escalation).where(
            Escalation.concern_id == int(reference[2:]) - 1000,
            Escalation.partner_id == partner_id))
        assert found is not None
        return found


async def audit(app: App) -> list[tuple[str, str, dict[str, object]]]:
    async with app.database.transaction() as session:
        return [(e.actor, e.action, e.detail) for e in await session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(("refused", "link_refused")))
            .order_by(AuditEntry.id))]


async def test_a_polish_concern_is_acknowledged_in_chat_and_resolved_by_the_email_link(
        app: App, smtp: FakeSmtp, browser: httpx.AsyncClient) -> None:
    partner = await add_partner(app, emails=["damp@council.example"])
    hana = await partner_contact(app, "hana", partner)
    ola = await joined(app, "ola", "pl", name="Ola")
    await raise_concern(ola, POLISH, urgency="1")  # urgent
    ola.sees("C-1001")

    await hana.reads()  # at once, in chat
    hana.sees("URGENT concern C-1001 for Northfield Housing", "czarną pleśń", "ACK C-1001")
    [email] = await mail(app, smtp)  # and at once by email
    assert email.recipients == ("damp@council.example",)
    assert email.subject == "URGENT concern C-1001 for Northfield Housing · Housing and damp"
    assert POLISH in email.text and POLISH in (email.html or "")
    assert "Contact: Ola, console ola." in email.text
    assert [label for label in ("Acknowledge", "In progress", "Resolved", "Not for us")
            if f"\n{label}: {SITE}/act/" in email.text] == [
        "Acknowledge", "In progress", "Resolved", "Not for us"]
    assert len(email.links) == 4 and len(set(email.links)) == 4

    await hana.says("ACK C-1001")  # the partner acknowledges in chat
    hana.sees("C-1001 is now: Acknowledged. The champion has been told.")
    await ola.reads()
    ola.sees(t("pl", "Update on your concern {reference}: {partner} has received it and will "
                     "look at it.", reference="C-1001", partner="Northfield Housing"))

    resolve = link(email, "Resolved")
    form = Page.of(await browser.get(resolve))  # what a mail scanner would open, too
    assert form.status == 200 and form.sees("C-1001: Resolved") and form.sees("czarną pleśń")
    assert form.boxes == ["note"]
    assert (await escalation_of(app, "C-1001", partner)).status is EscalationStatus.ACKNOWLEDGED
    empty = Page.of(await browser.post(resolve, data=form.form))
    assert empty.status == 400 and empty.sees(
        "Please fill in: Please write a short note for the champion.")
    done = Page.of(await browser.post(resolve, data={**form.form, "note": NOTE}))
    assert done.status == 200 and done.sees("C-1001 is now: Resolved. The champion has been told.")

    await ola.reads()  # the champion hears, in Polish, with the note
    ola.sees(t("pl", "Update on your concern {reference}: {partner} has dealt with it.",
               reference="C-1001", partner="Northfield Housing"), NOTE)
    resolved = await escalation_of(app, "C-1001", partner)
    assert (resolved.status, resolved.note) == (EscalationStatus.RESOLVED, NOTE)

    again = Page.of(await browser.post(resolve, data={**form.form, "note": "Twice"}))
    assert again.status == 410 and again.sees("This link has already been used")
    late = Page.of(await browser.get(link(email, "In progress")))
    assert late.status == 409 and late.sees("C-1001 is no longer open with you.")
    await ola.reads()
    assert ola.replies == []  # nothing more was done


async def test_a_partners_link_cannot_act_on_another_organisations_escalation(
        app: App, smtp: FakeSmtp, browser: httpx.AsyncClient, clock: FakeClock) -> None:
    housing = await add_partner(app, emails=["damp@council.example"])
    legal = await add_partner(app, "Riverside Legal Advice", emails=["help@legal.example"])
    amina = await joined(app, "amina")
    await raise_concern(amina, urgency="1")
    emails = await mail(app, smtp)
    assert sorted(e.to for e in emails) == ["damp@council.example", "help@legal.example"]
    theirs = await escalation_of(app, "C-1001", housing)
    ours = await escalation_of(app, "C-1001", legal)

    # Legal Advice's own link, but naming Northfield Housing's escalation (a link we signed
    # for Legal Advice cannot be changed: this is the only way to get one).
    token = links.sign(SECRET, "escalation_ack", {"escalation": theirs.id, "partner": legal},
                       now=clock(), valid_for=timedelta(days=1))
    shown = Page.of(await browser.get(f"/act/{token}"))
    assert shown.status == 403 and shown.sees("You cannot do this with this link.")
    assert Page.of(await browser.post(f"/act/{token}", data={})).status == 400  # no form
    assert (await escalation_of(app, "C-1001", housing)).status is EscalationStatus.NEW
    async with app.database.transaction() as session:
        area = await session.scalar(select(Area.id).where(Area.name == "Northfield"))
    assert await audit(app) == [(f"partner:{legal}", "refused", {
        "attempted": "view_escalation", "area_id": area, "partner_id": housing})]

    # Legal Advice's real link, changed to point at the other escalation: forged.
    [mine] = [e for e in emails if e.to == "help@legal.example"]
    real = link(mine, "Acknowledge")
    forged = real[:-3] + ("AAA" if not real.endswith("AAA") else "BBB")
    assert Page.of(await browser.get(forged)).status == 400
    clock.advance(days=15)
    expired = Page.of(await browser.get(real))
    assert expired.status == 410 and expired.sees("This link has expired.")
    assert [(a, d.get("reason")) for _, a, d in (await audit(app))[1:]] == [
        ("link_refused", "forged"), ("link_refused", "expired")]
    assert (await escalation_of(app, "C-1001", legal)).status is EscalationStatus.NEW
    assert ours.id != theirs.id

