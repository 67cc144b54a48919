"""The Concerns page over plain HTTP: a coordinator filters, exports and routes; a partner
contact asks for a link in chat, signs in, sees only their organisation's escalations and
resolves one with a note; the champion hears back in their language."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import demo, directory, escalations
from bot.services.permissions import OPERATOR
from bot.storage.models import (
    OPEN,
    Area,
    Concern,
    ConcernStatus,
    ConcernUpdate,
    Escalation,
    EscalationChange,
    EscalationStatus,
    Identity,
    OutboxMessage,
)
from flows.types import Reply
from tests.support.chat import Chat, joined, make_coordinator, t
from tests.support.dashboard import browser, csrf
from tests.support.partners import add_partner, partner_contact

LINK = re.compile(r"http://\S+/dashboard/signin/\S+")
pytestmark = pytest.mark.usefixtures("programme")


async def raise_concern(app: App, champion: Chat, category: str = "housing",
                        words: str = "Mould in the flats", urgency: str = "soon",
                        contact_ok: bool = False) -> int:
    """A confirmed concern from ``champion``, routed as the bot routes it; its concern id."""
    now = app.clock()
    async with app.database.transaction() as session:
        identity = await session.scalar(select(Identity).where(
            Identity.address == champion.address))
        area = await session.scalar(select(Area.id).where(Area.name == "Northfield"))
        assert identity is not None
        concern = Concern(person_id=identity.person_id, category=category, description=words,
                          affects="many", area_id=area, urgency=urgency,
                          contact_ok=contact_ok, status=ConcernStatus.RECEIVED,
                          language="pl", created_at=now, updated_at=now)
        session.add(concern)
        await session.flush()
        await escalations.route_concern(session, concern, now)
        return concern.id


async def person_id_of(app: App, address: str) -> int:
    async with app.database.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.address == address))
        assert identity is not None and identity.person_id is not None
        return identity.person_id


async def escalation_of(app: App, concern_id: int, partner_id: int | None) -> int:
    async with app.database.transaction() as session:
        found = await session.scalar(select(Escalation.id).where(
            Escalation.concern_id == concern_id, Escalation.partner_id == partner_id)
            .order_by(Escalation.id.desc()))
        assert found is not None
        return found


async def signed_in_by_chat(app: App, client: httpx.AsyncClient, chat: Chat) -> str:
    """Ask for /dashboard in chat, open the link, press Sign in: where it leads."""
    await chat.says("/dashboard")
    chat.sees(t("en", "Here is your link to the dashboard. It works once, for 15 minutes; "
                      "do not share it.\n{link}", link="")[:40])
    found = LINK.search("\n".join(chat.replies))
    assert found, chat.replies
    path = found.group(0).split("8080", 1)[1]
    assert (await client.get(path)).status_code == 200
    answer = await client.post(path)
    assert answer.status_code == 303
    return answer.headers["location"]


async def test_a_partner_signs_in_from_chat_and_resolves_their_concern(
        app: App, programme: demo.Demo) -> None:
    housing = await add_partner(app)
    other = await add_partner(app, "Food Bank", categories=["cost_of_living"])
    hana = await partner_contact(app, "hana", housing)
    amina = await joined(app, "amina", code="pl")
    ours = await raise_concern(app, amina)
    theirs = await raise_concern(app, amina, category="cost_of_living", words="No food")
    mine, not_mine = await escalation_of(app, ours, housing), await escalation_of(app, theirs,
                                                                                 other)
    await amina.reads()
    async with browser(app) as client:
        assert await signed_in_by_chat(app, client, hana) == "/dashboard/concerns"
        listing = await client.get("/dashboard/concerns")
        assert listing.status_code == 200
        assert f"C-{1000 + ours}" in listing.text and f"C-{1000 + theirs}" not in listing.text
        assert (await client.get("/dashboard/")).status_code == 403
        assert (await client.get(f"/dashboard/concerns/{not_mine}")).status_code == 403
        page = await client.get(f"/dashboard/concerns/{mine}")
        assert "Mould in the flats" in page.text
        assert "did not agree to be contacted" in page.text and "Amina" not in page.text
        refused = await client.post(f"/dashboard/concerns/{not_mine}/act", data={
            "csrf": csrf(page.text), "action": "done", "note": "Not ours"})
        assert refused.status_code == 403
        empty = await client.post(f"/dashboard/concerns/{mine}/act", data={
            "csrf": csrf(page.text), "action": "done", "note": "  "})
        assert empty.status_code == 400
        assert "Please add a short note saying what was done." in empty.text
        assert "after the reference" not in empty.text  # chat's words, not the page's
        too_long = "We treated the mould in every flat. " * 30
        kept = await client.post(f"/dashboard/concerns/{mine}/act", data={
            "csrf": csrf(page.text), "action": "done", "note": too_long})
        assert kept.status_code == 400 and f">{too_long}</textarea>" in kept.text
        done = await client.post(f"/dashboard/concerns/{mine}/act", data={
            "csrf": csrf(page.text), "action": "done", "note": "Fixed the damp"})
        assert done.status_code == 303
        after = await client.get(done.headers["location"])
        assert "Fixed the damp" in after.text
    async with app.database.transaction() as session:
        assert (await session.get(Escalation, mine)).status is EscalationStatus.RESOLVED
        assert (await session.get(Escalation, not_mine)).status is EscalationStatus.NEW
    await amina.reads()
    amina.sees("Fixed the damp", f"C-{1000 + ours}")


async def test_a_form_without_its_token_changes_nothing(app: App) -> None:
    housing = await add_partner(app)
    hana = await partner_contact(app, "hana", housing)
    amina = await joined(app, "amina")
    mine = await escalation_of(app, await raise_concern(app, amina), housing)
    async with browser(app) as client:
        await signed_in_by_chat(app, client, hana)
        answer = await client.post(f"/dashboard/concerns/{mine}/act",
                                   data={"action": "ack", "csrf": "made-up"})
        assert answer.status_code == 403
    async with app.database.transaction() as session:
        assert (await session.get(Escalation, mine)).status is EscalationStatus.NEW


async def test_a_coordinator_filters_exports_and_routes_a_concern(app: App) -> None:
    housing = await add_partner(app)
    carol = await make_coordinator(app)
    amina = await joined(app, "amina", code="pl")
    unrouted = await raise_concern(app, amina, category="transport", words="No bus",
                                   contact_ok=True)
    await raise_concern(app, amina)
    waiting = await escalation_of(app, unrouted, None)
    await amina.reads()
    async with browser(app) as client:
        assert await signed_in_by_chat(app, client, carol) == "/dashboard/"
        overview = await client.get("/dashboard/")
        assert "1 concern needs routing to a partner service" in overview.text
        listing = await client.get("/dashboard/concerns?category=transport")
        assert f"C-{1000 + unrouted}" in listing.text and "1 concern found" in listing.text
        exported = await client.get("/dashboard/concerns/export?category=transport")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [r["reference"] for r in rows] == [f"C-{1000 + unrouted}"]
        assert rows[0]["partner"] == ""
        everything = list(csv.DictReader(io.StringIO(
            (await client.get("/dashboard/concerns/export")).text)))
        assert len(everything) == 2
        page = await client.get(f"/dashboard/concerns/{waiting}")
        assert "Amina" in page.text  # the champion agreed to be contacted
        routed = await client.post(f"/dashboard/concerns/{waiting}/act", data={
            "csrf": csrf(page.text), "action": "route", "partner": str(housing)})
        assert routed.status_code == 303
        shown = await client.get(routed.headers["location"])
        assert "Northfield Housing" in shown.text
        bad = await client.post(f"/dashboard/concerns/{waiting}/act", data={
            "csrf": csrf(page.text), "action": "note", "note": ""})
        assert bad.status_code == 400
        assert "Please write your message to the champion." in bad.text
    async with app.database.transaction() as session:
        changes = list(await session.scalars(select(EscalationChange.status).join(
            Escalation, Escalation.id == EscalationChange.escalation_id).where(
            Escalation.concern_id == unrouted)))
    assert EscalationStatus.CLOSED in changes
    await amina.reads()
    assert f"C-{1000 + unrouted}" in "\n".join(amina.replies)


async def test_a_coordinator_sees_who_raised_a_concern_the_service_may_not_contact(
        app: App) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    concern = await raise_concern(app, amina, category="transport", words="No bus on Sundays")
    waiting = await escalation_of(app, concern, None)
    amina_id = await person_id_of(app, "amina")
    async with browser(app) as client:
        await signed_in_by_chat(app, client, carol)
        page = await client.get(f"/dashboard/concerns/{waiting}")
    # "Your coordinator still sees that it came from you", as the concern flow promised.
    assert (f'<a href="/dashboard/champions/{amina_id}">Amina</a> (The champion did not '
            "agree to be contacted about this concern.)") in page.text


async def test_writing_to_a_champion_who_was_forgotten_says_they_cannot_be_told(
        app: App) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    concern = await raise_concern(app, amina, category="transport", words="No bus on Sundays")
    waiting = await escalation_of(app, concern, None)
    amina_id = await person_id_of(app, "amina")
    await directory.forget(app, amina_id)  # champbot people forget
    too_long = "We rang the bus company and the council. " * 122  # 5,002 characters
    note = "The council will add a Sunday bus from May."
    async with browser(app) as client:
        await signed_in_by_chat(app, client, carol)
        page = await client.get(f"/dashboard/concerns/{waiting}")
        assert ("The champion asked to be forgotten: they can no longer be written to."
                in page.text)
        assert "did not agree to be contacted" not in page.text
        assert "Write to the champion" not in page.text and 'value="note"' not in page.text
        assert "Route it to a partner service" in page.text  # the rest is still there
        refused = await client.post(f"/dashboard/concerns/{waiting}/act", data={
            "csrf": csrf(page.text), "action": "note", "note": too_long})
        sent = await client.post(f"/dashboard/concerns/{waiting}/act", data={
            "csrf": csrf(page.text), "action": "note", "note": note})
        after = await client.get(sent.headers["location"])
    assert refused.status_code == 400
    assert "That is too long. Please keep it under 1,000 characters." in refused.text
    assert sent.status_code == 303
    assert "Done. The champion can no longer be told: they asked to be forgotten." in after.text
    assert "The champion has been told" not in after.text
    async with app.database.transaction() as session:
        kept = list(await session.scalars(select(ConcernUpdate.note).where(
            ConcernUpdate.concern_id == concern, ConcernUpdate.note.is_not(None))))
        queued = list(await session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.address == "amina")))
    assert kept == [note] and queued == []  # kept on the concern, sent to no one


async def test_a_concern_routed_again_is_one_row_showing_where_it_is_now(app: App) -> None:
    housing = await add_partner(app)
    council = await add_partner(app, "Council Transport", categories=["transport"])
    carol = await make_coordinator(app)
    amina = await joined(app, "amina", code="pl")
    moved = await raise_concern(app, amina, category="transport", words="No bus")
    await raise_concern(app, amina)
    first = await escalation_of(app, moved, council)
    async with app.database.transaction() as session:  # sent on to another service
        await escalations.act(session, OPERATOR, first, "route", "",
                              app.clock(), partner_id=housing)
    now = await escalation_of(app, moved, housing)
    await amina.reads()
    reference = f"C-{1000 + moved}"
    async with browser(app) as client:
        await signed_in_by_chat(app, client, carol)
        listing = await client.get("/dashboard/concerns")
        closed = await client.get("/dashboard/concerns?status=closed")
        exported = list(csv.DictReader(io.StringIO(
            (await client.get("/dashboard/concerns/export")).text)))
    assert "2 concerns found" in listing.text
    assert listing.text.count(f">{reference}</a>") == 1
    assert f'href="/dashboard/concerns/{now}">{reference}' in listing.text
    assert [(r["reference"], r["partner"], r["status"]) for r in exported
            if r["reference"] == reference] == [(reference, "Northfield Housing", "New")]
    assert len(exported) == 2
    # Asked for closed ones, the same concern is there once, as it was at the first service.
    assert "1 concern found" in closed.text
    assert f'href="/dashboard/concerns/{first}">{reference}' in closed.text


async def emails_to(app: App, address: str) -> list[str]:
    async with app.database.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "email", OutboxMessage.address == address))
        return [Reply.from_dict(row.payload).text for row in rows]


async def test_a_partner_reached_by_email_gets_a_link_by_email(app: App) -> None:
    housing = await add_partner(app, emails=["desk@housing.test"])
    amina = await joined(app, "amina")
    mine = await escalation_of(app, await raise_concern(app, amina), housing)
    async with browser(app) as client:
        form = await client.get("/dashboard/signin")
        assert form.status_code == 200 and "Email me a link" in form.text
        unknown = await client.post("/dashboard/signin", data={"email": "who@else.test"})
        known = await client.post("/dashboard/signin", data={"email": " Desk@Housing.test"})
        assert unknown.status_code == known.status_code == 200
        assert unknown.text == known.text  # nothing says whether the address is known
        assert await emails_to(app, "who@else.test") == []
        [sent] = await emails_to(app, "desk@housing.test")
        found = LINK.search(sent)
        assert found and "It works once, for 15 minutes" in sent
        path = found.group(0).split("8080", 1)[1]
        assert (await client.get(path)).status_code == 200
        signed_in = await client.post(path)
        assert signed_in.headers["location"] == "/dashboard/concerns"
        assert (await client.get(f"/dashboard/concerns/{mine}")).status_code == 200
    # The contact made for the address does not get the partner's alerts twice.
    async with app.database.transaction() as session:
        from bot.services import partners

        assert await partners.contacts(session, housing) == []


async def test_routing_from_a_page_someone_already_routed_from_changes_nothing(
        app: App) -> None:
    housing = await add_partner(app)
    buses = await add_partner(app, "Bus Help", categories=["other"], areas=["all"])
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    unrouted = await raise_concern(app, amina, category="transport", words="No bus")
    waiting = await escalation_of(app, unrouted, None)
    await amina.reads()
    async with browser(app) as client:
        await signed_in_by_chat(app, client, carol)
        page = await client.get(f"/dashboard/concerns/{waiting}")
        routed = await client.post(f"/dashboard/concerns/{waiting}/act", data={
            "csrf": csrf(page.text), "action": "route", "partner": str(buses)})
        now_with = await escalation_of(app, unrouted, buses)
        # She lands on the page of the service it went to, not the closed one.
        assert routed.headers["location"].startswith(f"/dashboard/concerns/{now_with}?")
        # The same form again (another tab, or a colleague's page opened before).
        again = await client.post(f"/dashboard/concerns/{waiting}/act", data={
            "csrf": csrf(page.text), "action": "route", "partner": str(housing)})
    assert again.status_code == 400
    assert (f"C-{1000 + unrouted} has changed since you opened it: it is now with Bus Help. "
            "Nothing was changed." in again.text)
    async with app.database.transaction() as session:
        open_now = list(await session.scalars(select(Escalation.partner_id).where(
            Escalation.concern_id == unrouted, Escalation.status.in_(OPEN))))
    assert open_now == [buses]
    await amina.reads()
    amina.does_not_see("Northfield Housing")
