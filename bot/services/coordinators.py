"""Coordinators by area, and who is asking (an ``Actor``) for a person in chat."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import partners, permissions
from bot.services.permissions import Actor
from bot.storage.models import Area, CoordinatorArea, Identity, Person, Role, Status
from flows.i18n import N_


def _covers(area_id: int | None) -> ColumnElement[bool]:
    """The coordinator given this area, or given no area at all."""
    anywhere = ~exists().where(CoordinatorArea.person_id == Person.id)
    if area_id is None:
        return anywhere
    return or_(anywhere, exists().where(CoordinatorArea.person_id == Person.id,
                                        CoordinatorArea.area_id == area_id))


async def of_area(session: AsyncSession, area_id: int | None) -> list[tuple[Person, Identity]]:
    """Reachable coordinators of an area: those given it, and those given no area at all."""
    query = (
        select(Person, Identity).join(Identity, Identity.person_id == Person.id)
        .where(Person.role == Role.COORDINATOR, Person.status == Status.ACTIVE,
               Identity.unreachable_at.is_(None), Identity.opted_out_at.is_(None),
               _covers(area_id))
        .order_by(Person.id, Identity.id))
    return [(p, i) for p, i in (await session.execute(query)).all()]


async def any_of_area(session: AsyncSession, area_id: int | None, besides: int | None) -> bool:
    """Whether an area (None: any area, as an alert with no area goes to every coordinator)
    has a coordinator at all, reachable now or not: active, or paused (STOP) and so back
    with START. ``besides``: a person not to count."""
    query = select(Person.id).where(Person.role == Role.COORDINATOR,
                                    Person.status.in_((Status.ACTIVE, Status.PAUSED)))
    if area_id is not None:
        query = query.where(_covers(area_id))
    if besides is not None:
        query = query.where(Person.id != besides)
    return await session.scalar(query.limit(1)) is not None


async def areas_of(session: AsyncSession, person_id: int) -> frozenset[int]:
    return frozenset(await session.scalars(select(CoordinatorArea.area_id).where(
        CoordinatorArea.person_id == person_id)))


async def set_areas(session: AsyncSession, person_id: int, values: Sequence[str]) -> list[str]:
    """Give a coordinator areas (by id, code or name); ``all`` clears them (every area). A
    champion: their one area. A partner service's contact has none of their own (their
    organisation's decide what reaches them: partners.edit). The names of the areas given,
    by name; none for every area."""
    person = await session.get(Person, person_id)
    if person is None or person.status == Status.ERASED:
        raise LookupError(f"no one with id {person_id}")
    if person.role is Role.PARTNER:
        organisation = await partners.of_contact(session, person)
        raise partners.Unknown(
            N_("Person {person} is a contact of the partner service “{partner}”: the areas "
               "that service covers decide what reaches them, and a contact has no area of "
               "their own."), about="partner_area", person=person_id,
            partner=organisation.name if organisation else "?")
    every, ids = await partners.area_ids(session, values)
    if person.role is not Role.COORDINATOR:
        if every or len(ids) != 1:
            raise partners.Unknown(N_("A champion works in one area."), about="one_area")
        person.area_id = ids[0]
        return await _names(session, ids)
    await session.execute(delete(CoordinatorArea).where(CoordinatorArea.person_id == person_id))
    session.add_all(CoordinatorArea(person_id=person_id, area_id=a) for a in ids)
    await session.flush()
    return await _names(session, ids)


async def _names(session: AsyncSession, ids: Sequence[int]) -> list[str]:
    return list(await session.scalars(select(Area.name).where(Area.id.in_(ids))
                                      .order_by(Area.name))) if ids else []


async def coverage(session: AsyncSession) -> dict[int, list[str]]:
    """Each coordinator's areas by name, by their id: a coordinator given none (every
    area) is not in it."""
    found: dict[int, list[str]] = {}
    for person_id, name in (await session.execute(
            select(CoordinatorArea.person_id, Area.name)
            .join(Area, Area.id == CoordinatorArea.area_id)
            .order_by(CoordinatorArea.person_id, Area.name))).all():
        found.setdefault(person_id, []).append(name)
    return found


async def actor_of(session: AsyncSession, person: Person) -> Actor:
    """A person as an actor, with their partner organisation (while it is a partner
    service) or coordinator areas (only active people act)."""
    if person.status is not Status.ACTIVE:
        return permissions.actor_of(person)
    areas = await areas_of(session, person.id) if person.role is Role.COORDINATOR else frozenset()
    return permissions.actor_of(person, await partners.of_contact(session, person), areas)
