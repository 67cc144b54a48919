"""Who a broadcast goes to, as one SQL query the database runs (never a list in memory).

An audience is all champions, or any of areas, languages, topics of interest,
roles and a saved group, combined: within one kind any value matches, across
kinds all must. Names or ids are resolved once, when the broadcast is created.
Opted-out, paused, erased and unreachable people are never in it, nor the contacts of a
removed partner; each person is reached on one identity (the one they wrote from last).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, cast, delete, exists, func, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services import permissions
from bot.services.problems import Problem
from bot.storage.broadcasts import SavedGroup, SavedGroupMember
from bot.storage.models import Area, Identity, Person, Role, Status
from flows.definitions.options import TOPICS
from flows.i18n import N_
from flows.languages import CODES
from flows.views import AudienceCount

KINDS = ("areas", "languages", "topics", "roles", "group")
TOPIC_IDS = tuple(option.id for option in TOPICS)
ROLE_NAMES = {"champion": Role.CHAMPION, "champions": Role.CHAMPION,
              "coordinator": Role.COORDINATOR, "coordinators": Role.COORDINATOR,
              "partner": Role.PARTNER, "partners": Role.PARTNER,
              "partner contacts": Role.PARTNER}


class AudienceError(Problem):
    """An audience that names something unknown (see problems.Problem)."""


@dataclass(frozen=True)
class Audience:
    """An audience with every name resolved; empty tuples mean "any"."""

    areas: tuple[int, ...] = ()
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    roles: tuple[Role, ...] = (Role.CHAMPION,)
    groups: tuple[int, ...] = ()
    shown: Mapping[str, list[str]] = field(default_factory=dict)  # as given, for listings

    def to_dict(self) -> dict[str, Any]:
        return {"areas": list(self.areas), "languages": list(self.languages),
                "topics": list(self.topics), "roles": [r.value for r in self.roles],
                "group": list(self.groups), "shown": dict(self.shown)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Audience:
        return cls(tuple(int(a) for a in data.get("areas", ())),
                   tuple(str(c) for c in data.get("languages", ())),
                   tuple(str(t) for t in data.get("topics", ())),
                   tuple(Role(r) for r in data.get("roles", ("champion",))),
                   tuple(int(g) for g in data.get("group", ())),
                   dict(data.get("shown", {})))


def _values(spec: Mapping[str, Any], kind: str) -> list[str]:
    value = spec.get(kind)
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [str(item).strip() for item in items if str(item).strip()]


async def resolve(session: AsyncSession, spec: str | Mapping[str, Any]) -> Audience:
    """``"all"`` or a map of kinds to lists of ids or names; AudienceError names a bad one."""
    if isinstance(spec, str):
        if spec.strip().lower() != "all":
            raise AudienceError(N_("the audience is 'all' or a map of areas, languages, "
                                   "topics, roles and group"))
        return Audience()
    unknown = sorted(set(spec) - set(KINDS))
    if unknown:
        raise AudienceError(N_("unknown audience kind '{kind}' (one of: {kinds})"),
                            kind=unknown[0], kinds=", ".join(KINDS))
    areas = [await _area(session, value) for value in _values(spec, "areas")]
    languages = _values(spec, "languages")
    for code in languages:
        if code not in CODES:
            raise AudienceError(N_("unknown language '{code}' (one of: {codes})"), code=code,
                                codes=", ".join(CODES))
    topics = _values(spec, "topics")
    for topic in topics:
        if topic not in TOPIC_IDS:
            raise AudienceError(N_("unknown topic '{topic}' (one of: {topics})"), topic=topic,
                                topics=", ".join(TOPIC_IDS))
    roles = []
    for name in _values(spec, "roles"):
        if name.lower() not in ROLE_NAMES:
            raise AudienceError(N_("unknown role '{role}' (one of: {roles})"), role=name,
                                roles="champions, coordinators, partners")
        roles.append(ROLE_NAMES[name.lower()])
    groups = [await _group(session, value) for value in _values(spec, "group")]
    shown = {kind: _values(spec, kind) for kind in KINDS if _values(spec, kind)}
    if areas:  # by name, however they were given (the chat gives ids)
        names = dict((await session.execute(select(Area.id, Area.name).where(
            Area.id.in_(areas)))).all())
        shown["areas"] = [names[area] for area in areas]
    return Audience(tuple(areas), tuple(languages), tuple(topics),
                    tuple(dict.fromkeys(roles)) or (Role.CHAMPION,), tuple(groups), shown)


async def _area(session: AsyncSession, value: str) -> int:
    if value.isdigit():
        found = await session.scalar(select(Area.id).where(Area.id == int(value)))
    else:
        found = await session.scalar(select(Area.id).where(or_(
            func.lower(Area.name) == value.lower(), Area.code == value.lower())))
    if found is None:
        raise AudienceError(N_("no area '{area}'"), about="area", area=value)
    return int(found)


async def _group(session: AsyncSession, value: str) -> int:
    condition = SavedGroup.id == int(value) if value.isdigit() else (
        func.lower(SavedGroup.name) == value.lower())
    found = await session.scalar(select(SavedGroup.id).where(condition))
    if found is None:
        raise AudienceError(N_("no saved group '{group}'"), about="group", group=value)
    return int(found)


def _reachable(identity: type[Identity] | Any) -> ColumnElement[bool]:
    return and_(identity.opted_out_at.is_(None), identity.unreachable_at.is_(None))


def _has_topic(dialect: str, topics: Sequence[str]) -> ColumnElement[bool]:
    """People whose topics of interest (a JSON list) include any of ``topics``."""
    if dialect == "postgresql":
        return cast(Person.topics, JSONB).op("?|")(postgresql.array(list(topics)))
    each = func.json_each(Person.topics).table_valued("value")
    return exists(select(1).select_from(each).where(each.c.value.in_(list(topics))))


def recipients(audience: Audience, dialect: str) -> Select[int, str, str, str]:
    """(person id, channel, address, language) for everyone in the audience, by person id.

    Each person's identity is the reachable one they last wrote from (else the newest).
    Keep the ordering when using this as a subquery: on PostgreSQL it picks the identity
    (``DISTINCT ON``, one pass over a range of people instead of a lookup per person).
    """
    if dialect == "postgresql":
        preferred = (Identity.last_inbound_at.is_(None), Identity.last_inbound_at.desc(),
                     Identity.id.desc())
        query = (select(Person.id, Identity.channel, Identity.address, Person.language)
                 .join(Identity, and_(Identity.person_id == Person.id, _reachable(Identity)))
                 .ext(postgresql.distinct_on(Person.id)).order_by(Person.id, *preferred))
    else:
        best = aliased(Identity)
        chosen = (select(best.id).where(best.person_id == Person.id, _reachable(best))
                  .order_by(best.last_inbound_at.is_(None), best.last_inbound_at.desc(),
                            best.id.desc())
                  .limit(1).correlate(Person).scalar_subquery())
        query = (select(Person.id, Identity.channel, Identity.address, Person.language)
                 .join(Identity, Identity.id == chosen).order_by(Person.id))
    query = query.where(Person.status == Status.ACTIVE, Person.erased_at.is_(None),
                        Person.role.in_(audience.roles))
    if Role.PARTNER in audience.roles:
        # Only the contacts of partner services: a removed partner's are no audience.
        query = query.where(or_(Person.role != Role.PARTNER, permissions.partner_access()))
    if audience.areas:
        query = query.where(Person.area_id.in_(audience.areas))
    if audience.languages:
        query = query.where(Person.language.in_(audience.languages))
    if audience.topics:
        query = query.where(_has_topic(dialect, audience.topics))
    if audience.groups:
        query = query.where(exists(select(1).where(
            SavedGroupMember.person_id == Person.id,
            SavedGroupMember.group_id.in_(audience.groups))))
    return query


async def counts(session: AsyncSession, audience: Audience) -> dict[tuple[str, str], int]:
    """How many people per (language, channel) the audience holds now."""
    dialect = session.get_bind().dialect.name
    inner = recipients(audience, dialect).subquery()
    rows = await session.execute(
        select(inner.c.language, inner.c.channel, func.count())
        .group_by(inner.c.language, inner.c.channel))
    return {(str(language), str(channel)): int(n) for language, channel, n in rows}


async def by_area(session: AsyncSession) -> tuple[AudienceCount, ...]:
    """All champions counted per area, language and channel (the chat flow's view)."""
    dialect = session.get_bind().dialect.name
    inner = recipients(Audience(), dialect).add_columns(Person.area_id).subquery()
    rows = await session.execute(
        select(inner.c.area_id, inner.c.language, inner.c.channel, func.count())
        .group_by(inner.c.area_id, inner.c.language, inner.c.channel))
    return tuple(AudienceCount(str(area) if area is not None else None, str(language),
                               str(channel), int(n)) for area, language, channel, n in rows)


async def save_group(session: AsyncSession, name: str, people: list[int],
                     now: datetime) -> int:
    """Make or replace the saved group ``name`` with exactly ``people``; its id."""
    name = name.strip()
    if not 1 <= len(name) <= 60:
        raise AudienceError(N_("a group name is 1 to 60 characters"))
    known = set(await session.scalars(select(Person.id).where(Person.id.in_(people))))
    unknown = sorted(set(people) - known)
    if unknown:
        raise AudienceError(N_("no person {number}"), about="person", number=unknown[0])
    group = await session.scalar(select(SavedGroup).where(
        func.lower(SavedGroup.name) == name.lower()))
    if group is None:
        group = SavedGroup(name=name, created_at=now)
        session.add(group)
        await session.flush()
    await session.execute(delete(SavedGroupMember).where(SavedGroupMember.group_id == group.id))
    session.add_all(SavedGroupMember(group_id=group.id, person_id=p) for p in sorted(known))
    return group.id
