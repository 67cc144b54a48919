"""What partners and coordinators see in chat: escalations as ``CaseView``s."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import casenotes, coordinators, partners, permissions
from bot.storage.models import (
    OPEN,
    Area,
    Concern,
    Escalation,
    EscalationStatus,
    Identity,
    Partner,
    Person,
    Role,
    Status,
)
from flows.views import CaseView, PartnerChoice

LIMIT = 20  # a chat list stays short; the CLI shows everything
Rows = Select[Escalation, Concern, str, str]


def _query() -> Rows:
    return (select(Escalation, Concern, Area.name, Partner.name)
            .join(Concern, Concern.id == Escalation.concern_id)
            .outerjoin(Area, Area.id == Concern.area_id)
            .outerjoin(Partner, Partner.id == Escalation.partner_id)
            .where(Escalation.status.in_(OPEN)))


async def contact_of(session: AsyncSession, concern: Concern) -> str | None:
    if not concern.contact_ok or concern.person_id is None:
        return None
    return (await contacts_of(session, (concern.person_id,))).get(concern.person_id)


async def contacts_of(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, str]:
    """How to reach each of these people (name, and the first channel they wrote from),
    by id, in two queries; nobody erased is among them."""
    wanted = set(person_ids)
    if not wanted:
        return {}
    names = dict((await session.execute(select(Person.id, Person.display_name).where(
        Person.id.in_(wanted), Person.status != Status.ERASED))).all())
    if not names:
        return {}
    reach: dict[int, str] = {}
    for person_id, channel, address in (await session.execute(
            select(Identity.person_id, Identity.channel, Identity.address)
            .where(Identity.person_id.in_(list(names))).order_by(Identity.id))):
        if person_id is not None:
            reach.setdefault(person_id, f", {channel} {address}")
    return {person_id: f"{name or '-'}{reach.get(person_id, '')}"
            for person_id, name in names.items()}


async def _views(session: AsyncSession, query: Rows) -> tuple[CaseView, ...]:
    rows = (await session.execute(query.limit(LIMIT))).all()
    champions = {concern.person_id for _e, concern, _a, _p in rows if concern.person_id}
    erased = set(await session.scalars(select(Person.id).where(
        Person.id.in_(champions), Person.status == Status.ERASED))) if champions else set()
    views = []
    for escalation, concern, area, partner in rows:
        views.append(CaseView(
            concern.reference, escalation.status.value, concern.category, area,
            concern.urgency, concern.affects, concern.description,
            await contact_of(session, concern), concern.created_at, partner,
            asked=not casenotes.unasked(concern), escalation=escalation.id,
            forgotten=concern.person_id in erased))
    return tuple(views)


async def load(session: AsyncSession, name: str, person: Person) -> object:
    if name == "partners":
        return tuple(PartnerChoice(str(p.id), p.name) for p in await partners.active(session))
    if name == "cases":
        # A partner's contact sees their organisation's, while it is a partner service.
        partner_id = permissions.acts_for(person, await partners.of_contact(session, person))
        if partner_id is None:
            return ()
        return await _views(session, _query().where(Escalation.partner_id == partner_id)
                            .order_by((Escalation.status != EscalationStatus.NEW),
                                      Escalation.created_at, Escalation.id))
    if person.role is not Role.COORDINATOR:
        return ()
    query = _query()
    areas = await coordinators.areas_of(session, person.id)
    if areas:
        query = query.where(Concern.area_id.in_(areas))
    waiting = Escalation.partner_id.is_(None)
    query = query.where(waiting if name == "routing" else ~waiting)
    return await _views(session, query.order_by(Escalation.created_at, Escalation.id))
