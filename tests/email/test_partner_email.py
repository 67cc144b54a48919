"""A partner service by email, through the real paths: the dispatcher sends to a local SMTP
server, the test reads the email as a mail program would (both parts, the CSV, the links),
then a person opens the links on the /act page over real HTTP."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

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
from tests.support.smtp_server import FakeSmtp, Received
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
    text = text.split(f"\n{reference} · ", 1)[1] if reference else text
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
    assert "C-1001 · Housing and damp · Northfield" in email.text
    assert "Contact: Ola, console ola." in email.text
    assert [label for label in ("Acknowledge", "In progress", "Resolved", "Not for us")
            if f"\n{label}: {SITE}/act/" in email.text] == [
        "Acknowledge", "In progress", "Resolved", "Not for us"]
    assert len(email.links) == 5 and len(set(email.links)) == 5  # and "Stop emails"

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



async def test_a_digest_emails_its_items_as_csv_and_patterns_that_match_the_database(
        app: App, smtp: FakeSmtp, browser: httpx.AsyncClient, clock: FakeClock) -> None:
    partner_id = await add_partner(app, areas=["Northfield", "Eastgate"],
                                   emails=["damp@council.example"])
    now = clock()
    async with app.database.transaction() as session:  # the weeks before
        areas = {a.name: a.id for a in await session.scalars(select(Area))}
        for name, ages in {"Northfield": [2, 3, 4, 12, 40], "Eastgate": [35, 36, 20]}.items():
            session.add_all(Concern(category="housing", area_id=areas[name], urgency="soon",
                                    status=ConcernStatus.RESOLVED, language="en", confirmed=True,
                                    created_at=now - timedelta(days=age), updated_at=now)
                            for age in ages)
    amina = await joined(app, "amina")
    await raise_concern(amina)  # may be contacted
    await raise_concern(await joined(app, "layla", name="Layla"),
                        "Water comes through the ceiling of the flats.", contact="2")
    assert await mail(app, smtp) == []  # not urgent: they wait for the digest

    clock.advance(minutes=5)
    sent_at = clock()
    async with app.database.transaction() as session:
        partner = await session.get(Partner, partner_id)
        assert partner is not None
        await digests.send(session, partner, sent_at, app.settings)
    [email] = await mail(app, smtp)
    assert email.subject == "Digest for Northfield Housing"
    assert email.html and "Elm Street" in email.html and "Water comes through" in email.html
    [attachment] = email.attachments
    assert attachment.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(str(attachment.content))))

    async with app.database.transaction() as session:
        expected = [
            {"section": "new", "reference": c.reference, "category": c.category,
             "area": area, "urgency": c.urgency, "affected": c.affects or "",
             "status": e.status.value, "raised": c.created_at.isoformat(timespec="minutes"),
             "words": c.description, "contact": "Amina, console amina" if c.contact_ok else ""}
            for e, c, area in (await session.execute(
                select(Escalation, Concern, Area.name)
                .join(Concern, Concern.id == Escalation.concern_id)
                .join(Area, Area.id == Concern.area_id)
                .where(Escalation.partner_id == partner_id).order_by(Escalation.id))).all()]

        async def count(area: str, newest: int, oldest: int) -> int:
            return int(await session.scalar(select(func.count()).select_from(Concern).where(
                Concern.confirmed.is_(True), Concern.category == "housing",
                Concern.area_id == areas[area],
                Concern.created_at >= sent_at - timedelta(days=oldest),
                Concern.created_at < sent_at - timedelta(days=newest))) or 0)

        counts = {area: (await count(area, 0, 30), await count(area, 30, 60),
                         await count(area, 0, 7)) for area in ("Eastgate", "Northfield")}
    assert rows == expected and len(rows) == 2
    assert [r["contact"] for r in rows] == ["Amina, console amina", ""]  # Layla said no

    text = email.text.replace("\r\n", "\n")
    shown = {found[0]: (int(found[1]), int(found[2]), found[3], found[4]) for found in re.findall(
        r"^Housing and damp · (\w+): (\d+) \((\d+)\), (\w+)(?: · (\d+) in the last 7 days)?$",
        text, re.M)}
    # A week's count is shown where it crossed the threshold (3 or more).
    assert shown == {area: (last, before, "rising" if last > before else "falling",
                            str(week) if week >= digests.THRESHOLD else "")
                     for area, (last, before, week) in counts.items()}
    assert counts == {"Eastgate": (1, 2, 0), "Northfield": (6, 1, 5)}
    assert "Northfield: 6 (1), rising · 5 in the last 7 days" in (email.html or "")

    # Each item's links name its own escalation and this partner; "not for us" needs a reason.
    for row in rows:
        escalation = await escalation_of(app, row["reference"], partner_id)
        token = link(email, "Not for us", row["reference"]).removeprefix("/act/")
        assert links.verify(SECRET, token, "escalation_notus", now=clock()).subject == {
            "escalation": escalation.id, "partner": partner_id}
    layla = rows[1]["reference"]
    path = link(email, "Not for us", layla)
    form = Page.of(await browser.get(path))
    assert form.sees(f"{layla}: please say why it is not for your service.")
    assert Page.of(await browser.post(path, data=form.form)).status == 400
    done = Page.of(await browser.post(path, data={**form.form, "note": "Private landlord."}))
    assert done.status == 200 and done.sees(f"{layla} has gone back to the coordinators.")
    assert (await escalation_of(app, layla, partner_id)).status is EscalationStatus.NOT_FOR_US


async def test_every_partner_email_can_be_stopped_from_its_own_link(
        app: App, smtp: FakeSmtp, browser: httpx.AsyncClient, clock: FakeClock) -> None:
    partner = await add_partner(app, emails=["damp@council.example", "lead@council.example"])
    await raise_concern(await joined(app, "ola", "pl", name="Ola"), POLISH, urgency="1")
    alerts = await mail(app, smtp)
    assert sorted(e.recipients[0] for e in alerts) == ["damp@council.example",
                                                        "lead@council.example"]
    for email in alerts:  # each address its own link, in the text, the HTML and the header
        stop = link(email, "Stop emails")
        assert email.header("List-Unsubscribe") == f"<{SITE}{stop}>"
    damp = next(e for e in alerts if e.recipients == ("damp@council.example",))
    form = Page.of(await browser.get(link(damp, "Stop emails")))
    assert form.sees("Stop all emails from Riverside Health Champions to damp@council.example?")
    done = Page.of(await browser.post(link(damp, "Stop emails"), data=form.form))
    assert done.sees("We will not email damp@council.example again.")

    clock.advance(minutes=5)
    async with app.database.transaction() as session:
        found = await session.get(Partner, partner)
        assert found is not None
        await digests.send(session, found, clock(), app.settings)
    [digest] = await mail(app, smtp)  # only the address that did not stop them
    assert digest.recipients == ("lead@council.example",)
    assert digest.header("List-Unsubscribe") == f"<{SITE}{link(digest, 'Stop emails')}>"


async def test_a_champions_words_reach_the_digests_csv_as_text_never_as_a_formula(
        app: App, smtp: FakeSmtp, clock: FakeClock) -> None:
    partner_id = await add_partner(app, emails=["damp@council.example"])
    amina = await joined(app, "amina")
    await raise_concern(amina, '=HYPERLINK("http://evil.example","click") and damp')
    clock.advance(minutes=5)
    async with app.database.transaction() as session:
        partner = await session.get(Partner, partner_id)
        assert partner is not None
        await digests.send(session, partner, clock(), app.settings)
    [email] = await mail(app, smtp)
    [attachment] = email.attachments
    [row] = list(csv.DictReader(io.StringIO(str(attachment.content))))
    # An apostrophe first: a spreadsheet shows the words, and runs nothing.
    assert row["words"] == '\'=HYPERLINK("http://evil.example","click") and damp'


async def test_an_expired_link_is_answered_in_the_language_it_was_made_for(
        app: App, smtp: FakeSmtp, browser: httpx.AsyncClient, clock: FakeClock) -> None:
    await add_partner(app, emails=["gp@surgery.example"], language="pl")
    await raise_concern(await joined(app, "amina"), urgency="1")  # urgent: emailed at once
    [email] = await mail(app, smtp)
    acknowledge = link(email, t("pl", "Acknowledge"))
    clock.advance(days=15)
    expired = Page.of(await browser.get(acknowledge))  # no language asked by the browser
    assert expired.status == 410
    assert expired.sees(t("pl", "This link has expired. Please ask for a new one."))
