"""Champions as a coordinator sees them: a searchable list, one record, approve and pause.
The dashboard and the CLI call these alike; each asks permissions first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit, outbox, permissions
from bot.services.permissions import Action, Actor, Scope
from bot.storage.models import Activity, Area, Identity, Person, Role, Status
from flows.commands import first_word
from flows.i18n import _, language
from flows.types import Reply

PAGE_SIZE = 50
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


@dataclass(frozen=True)
class Champion:
    id: int
    name: str | None
    status: Status
    language: str
    area: str | None
    area_id: int | None
    joined: datetime
    activities: int = 0


def scope_of(person: Person) -> Scope:
    return Scope(area_id=person.area_id, person_id=person.id)


async def champions(session: AsyncSession, actor: Actor, now: datetime, *, search: str = "",
                    status: str = "", page: int = 1) -> Page[Champion]:
    permissions.require(session, actor, Action.VIEW_PEOPLE, None, now)
    query = select(Person, Area.name).outerjoin(Area, Area.id == Person.area_id).where(
        Person.role == Role.CHAMPION, Person.status != Status.ERASED)
    if actor.areas:
        query = query.where(Person.area_id.in_(actor.areas))
    if status in {s.value for s in Status}:
        query = query.where(Person.status == Status(status))
    if search.strip():
        term = search.strip()
        like = f"%{term.lower()}%"
        query = query.where(or_(func.lower(Person.display_name).like(like),
                                func.lower(Area.name).like(like),
                                Person.id == (int(term) if term.isdigit() else -1)))
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    page = max(1, min(page, max(1, -(-total // PAGE_SIZE))))
    rows = (await session.execute(query.order_by(Person.id.desc())
                                  .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))).all()
    counts = dict((await session.execute(
        select(Activity.person_id, func.count(Activity.id))
        .where(Activity.person_id.in_([p.id for p, _ in rows])).group_by(Activity.person_id)
    )).all()) if rows else {}
    items = tuple(Champion(p.id, p.display_name, p.status, p.language, area, p.area_id,
                           p.created_at, int(counts.get(p.id, 0))) for p, area in rows)
    return Page(items, page, total)


async def champion(session: AsyncSession, actor: Actor, person_id: int,
                   now: datetime) -> Person:
    """One champion, if ``actor`` may see them; LookupError when there is no such champion
    (the same answer whether or not they exist elsewhere, so ids cannot be probed)."""
    person = await session.get(Person, person_id)
    if person is None or person.role != Role.CHAMPION or person.status == Status.ERASED:
        permissions.require(session, actor, Action.VIEW_PEOPLE, Scope(person_id=person_id), now)
        raise LookupError(person_id)
    permissions.require(session, actor, Action.VIEW_PEOPLE, scope_of(person), now)
    return person


async def activities(session: AsyncSession, person: Person, page: int = 1) -> Page[Activity]:
    total = int(await session.scalar(select(func.count(Activity.id)).where(
        Activity.person_id == person.id)) or 0)
    page = max(1, min(page, max(1, -(-total // PAGE_SIZE))))
    rows = await session.scalars(select(Activity).where(Activity.person_id == person.id)
                                 .order_by(Activity.happened_on.desc(), Activity.id.desc())
                                 .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return Page(tuple(rows), page, total)


async def _tell(session: AsyncSession, person: Person, text: str, now: datetime) -> None:
    for identity in await session.scalars(select(Identity).where(
            Identity.person_id == person.id, Identity.unreachable_at.is_(None))):
        outbox.enqueue(session, channel=identity.channel, address=identity.address,
                       reply=Reply(text, language=person.language), now=now, kind="notice",
                       person_id=person.id)


async def approve(session: AsyncSession, actor: Actor, person_id: int, now: datetime) -> Person:
    person = await session.get(Person, person_id)
    permissions.require(session, actor, Action.MANAGE_PEOPLE,
                        scope_of(person) if person else Scope(person_id=person_id), now)
    if person is None or person.status != Status.PENDING:
        raise LookupError(f"no one is waiting for approval with id {person_id}")
    person.status = Status.ACTIVE
    person.updated_at = now
    audit.record(session, actor.label, "approved", person.id, now)
    with language(person.language):
        text = _("Good news: a coordinator has confirmed your place. Send {menu} to start.",
                 menu=first_word("menu"))
    await _tell(session, person, text, now)
    return person


async def pause(session: AsyncSession, actor: Actor, person_id: int, now: datetime) -> Person:
    """Stop sending a champion anything until a coordinator (or they) resume."""
    person = await session.get(Person, person_id)
    permissions.require(session, actor, Action.MANAGE_PEOPLE,
                        scope_of(person) if person else Scope(person_id=person_id), now)
    if person is None or person.role != Role.CHAMPION or person.status != Status.ACTIVE:
        raise LookupError(f"no active champion with id {person_id}")
    person.status = Status.PAUSED
    person.updated_at = now
    audit.record(session, actor.label, "paused", person.id, now)
    return person
