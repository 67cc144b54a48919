"""Who may act on an escalation: the whole table (role × action × whose escalation), each
cell through the rules, through the service, and a partner trying another organisation's
escalation by every path, each attempt audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import escalations, partners, permissions
from bot.services.permissions import OPERATOR, Action, Actor, Forbidden, Scope
from bot.storage.models import (
    Area,
    AuditEntry,
    Concern,
    ConcernStatus,
    EscalationStatus,
    Role,
)
from tests.support.chat import joined
from tests.support.partners import add_partner, partner_contact

pytestmark = pytest.mark.usefixtures("programme")

HOME, AWAY = 1, 2  # the escalation's area, and another one
OURS, THEIRS = 10, 20  # the escalation's partner, and another organisation

ACTORS = {
    "operator": OPERATOR,
    "coordinator of every area": Actor("person", Role.COORDINATOR, person_id=1),
    "coordinator of the area": Actor("person", Role.COORDINATOR, person_id=2,
                                     areas=frozenset({HOME})),
    "coordinator of another area": Actor("person", Role.COORDINATOR, person_id=3,
                                         areas=frozenset({AWAY})),
    "partner it was routed to": Actor("person", Role.PARTNER, person_id=4, partner_id=OURS),
    "another partner": Actor("person", Role.PARTNER, person_id=5, partner_id=THEIRS),
    "champion": Actor("person", Role.CHAMPION, person_id=6),
}
# role → (view, act as a partner: ack/progress/resolve/not for us, route/re-route/note)
TABLE = {
    "operator": (True, True, True),
    "coordinator of every area": (True, True, True),
    "coordinator of the area": (True, True, True),
    "coordinator of another area": (False, False, False),
    "partner it was routed to": (True, True, False),
    "another partner": (False, False, False),
    "champion": (False, False, False),
}
ACTIONS = (Action.VIEW_ESCALATION, Action.ACT_ON_ESCALATION, Action.ROUTE_ESCALATION)


@pytest.mark.parametrize("who", TABLE)
@pytest.mark.parametrize("column", range(3))
def test_the_rules_table(who: str, column: int) -> None:
    scope = Scope(area_id=HOME, partner_id=OURS)
    assert permissions.allowed(ACTORS[who], ACTIONS[column], scope) is TABLE[who][column]


async def _escalated(app: App) -> tuple[int, int, int]:
    """A housing concern in Northfield routed to one of two partners: (area, ours, theirs)."""
    ours = await add_partner(app)
    theirs = await add_partner(app, "Food Bank", categories=["cost_of_living"])
    now = app.clock()
    async with app.database.transaction() as session:
        area = await session.scalar(select(Area.id).where(Area.name == "Northfield"))
        concern = Concern(category="housing", description="Mould", affects="many",
                          area_id=area, urgency="soon", status=ConcernStatus.RECEIVED,
                          language="en", created_at=now, updated_at=now)
        session.add(concern)
        await session.flush()
        await escalations.route_concern(session, concern, now)
    assert area is not None
    return area, ours, theirs


def _as_in_the_database(who: str, area: int, ours: int, theirs: int) -> Actor:
    actor = ACTORS[who]
    areas = {HOME: area, AWAY: area + 1}
    return Actor(actor.kind, actor.role, actor.person_id,
                 {OURS: ours, THEIRS: theirs}.get(actor.partner_id or 0),
                 frozenset(areas[a] for a in actor.areas))


async def _refusals(app: App) -> list[AuditEntry]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(AuditEntry).where(
            AuditEntry.action == "refused")))


@pytest.mark.parametrize("who", TABLE)
@pytest.mark.parametrize(("column", "action", "note"), [(1, "ack", None),
                                                         (2, "note", "We are on it.")])
async def test_the_service_follows_the_table_and_audits_each_refusal(
    app: App, who: str, column: int, action: str, note: str | None,
) -> None:
    area, ours, theirs = await _escalated(app)
    actor = _as_in_the_database(who, area, ours, theirs)
    async with app.database.transaction() as session:
        try:
            outcome = await escalations.act(session, actor, "C-1001", action, note, app.clock())
            done = True
        except Forbidden:
            done = False
    assert done is TABLE[who][column]
    refused = await _refusals(app)
    if done:
        assert refused == []
        assert outcome.reference == "C-1001"
    else:
        assert [(r.actor, r.detail["attempted"], r.detail["partner_id"]) for r in refused] == [
            (actor.label, ACTIONS[column].value, ours)]


async def test_a_partner_cannot_see_or_act_on_another_organisations_escalation(
    app: App,
) -> None:
    area, ours, theirs = await _escalated(app)
    del area
    foodbank = await partner_contact(app, "fiona", theirs, name="Fiona")

    await foodbank.says("1")  # new and open concerns
    foodbank.sees("Nothing is waiting for your service at the moment.")
    foodbank.does_not_see("C-1001", "Mould")

    await foodbank.says("ACK C-1001")  # by words
    foodbank.sees("Sorry, C-1001 is not one of your service's concerns.")
    await foodbank.says(choice="DONE C-1001 fixed", question="cases.detail")  # an old button
    foodbank.sees("Sorry, C-1001 is not one of your service's concerns.")
    async with app.database.transaction() as session:  # the service (and so a link page)
        with pytest.raises(Forbidden):
            await escalations.act(session, Actor("person", Role.PARTNER, partner_id=theirs),
                                  "C-1001", "notus", "not ours", app.clock())

    refused = await _refusals(app)
    assert [(r.detail["attempted"], r.detail["partner_id"]) for r in refused] == [
        ("act_on_escalation", ours)] * 3
    async with app.database.transaction() as session:
        escalation = await escalations.find(session, OPERATOR, "C-1001")
        assert escalation is not None and escalation.status is EscalationStatus.NEW
        assert (await partners.get(session, ours)).name == "Northfield Housing"


async def test_a_champion_cannot_use_case_words(app: App) -> None:
    await _escalated(app)
    amina = await joined(app, "amina")
    await amina.says("ACK C-1001")
    amina.does_not_see("is now")
    async with app.database.transaction() as session:
        escalation = await escalations.find(session, OPERATOR, "C-1001")
        assert escalation is not None and escalation.status is EscalationStatus.NEW
