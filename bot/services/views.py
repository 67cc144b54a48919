"""The views flows ask for, loaded only when asked: my concerns, my impact, the library,
whether any coordinator would receive an alert now."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import alerts, caseviews
from bot.services.kept import Kept
from bot.settings import Settings
from bot.storage.models import (
    Activity,
    Concern,
    ConcernUpdate,
    HealthMessage,
    HealthMessageText,
    Person,
)
from flows.casework import REFUSAL_VIEW
from flows.views import ConcernStep, ConcernView, ImpactView, LibraryItem, Totals


async def load(session: AsyncSession, name: str, person: Person | None, settings: Settings,
               now: datetime) -> Any:
    if name == "library":
        return await library(session)
    if name == "coordinators":  # whether an alert about this person reaches anyone now
        return await alerts.reach(session, person, person.area_id if person else None,
                                  urgent=True)  # a red flag's alert is urgent
    if name == "broadcast_report":
        from bot.services import broadcast_reports

        return await broadcast_reports.latest(session)
    if name == "broadcast_audience":
        from bot.services import audiences

        return await audiences.by_area(session)
    if name.startswith(REFUSAL_VIEW + ":"):  # case_refusal:said:C-1003
        from bot.services import casework

        _view, action, reference = name.split(":", 2)
        return await casework.refusal(session, person, action, reference, settings,
                                      now) if person else ""
    if name in ("cases", "routing", "open_cases", "partners"):
        return await caseviews.load(session, name, person) if person else ()
    if person is None:
        return () if name == "concerns" else ImpactView()
    if name == "concerns":
        return await concerns_of(session, person)
    if name == "impact":
        today = now.astimezone(settings.zone).date()
        return await impact_of(session, person, today)
    raise LookupError(f"no view called {name!r}")


async def concerns_of(session: AsyncSession, person: Person) -> tuple[ConcernView, ...]:
    concerns = list(await session.scalars(
        select(Concern).where(Concern.person_id == person.id)
        .order_by(Concern.id.desc())))
    if not concerns:
        return ()
    updates = await session.scalars(
        select(ConcernUpdate).where(ConcernUpdate.concern_id.in_([c.id for c in concerns]))
        .order_by(ConcernUpdate.created_at, ConcernUpdate.id))
    history: dict[int, list[ConcernStep]] = {}
    for update in updates:
        history.setdefault(update.concern_id, []).append(
            ConcernStep(update.status.value, update.created_at, update.note,
                        update.by_role))
    return tuple(
        ConcernView(c.reference, c.category, c.status.value, c.created_at,
                    tuple(history.get(c.id, ())))
        for c in concerns)


async def _totals(session: AsyncSession, person: Person, since: date | None) -> Totals:
    # count(*), not of a column: answered from the index on (person, day, ...) alone.
    query = select(func.count(), func.coalesce(func.sum(Activity.people_reached), 0),
                   func.coalesce(func.sum(Activity.minutes_given), 0)).where(
        Activity.person_id == person.id)
    if since is not None:
        query = query.where(Activity.happened_on >= since)
    count, people, minutes = (await session.execute(query)).one()
    return Totals(int(count), int(people or 0), int(minutes or 0))


def milestones(total: Totals) -> tuple[str, ...]:
    reached = [("first_activity", total.activities >= 1),
               ("activities_10", total.activities >= 10),
               ("activities_50", total.activities >= 50),
               ("people_100", total.people >= 100), ("people_500", total.people >= 500),
               ("people_1000", total.people >= 1000),
               ("hours_10", total.minutes >= 600), ("hours_50", total.minutes >= 3000)]
    return tuple(name for name, done in reached if done)


def _impact_statement() -> Any:
    """A person's activities added up per topic: all of them, and from the month's and
    the year's first day (built once; the same statement serves every "My impact")."""
    minutes = func.coalesce(Activity.minutes_given, 0)
    sums: list[Any] = [func.count(), func.sum(Activity.people_reached), func.sum(minutes)]
    since: Any
    for since in (bindparam("month_start"), bindparam("year_start")):
        recent = Activity.happened_on >= since
        sums += [func.sum(case((recent, 1), else_=0)),
                 func.sum(case((recent, Activity.people_reached), else_=0)),
                 func.sum(case((recent, minutes), else_=0))]
    return (select(Activity.topic, *sums).where(Activity.person_id == bindparam("person_id"))
            .group_by(Activity.topic))


_IMPACT = _impact_statement()


async def impact_of(session: AsyncSession, person: Person, today: date) -> ImpactView:
    """All of the person's activities added up per topic, and from the month's and the
    year's first day, in one pass over their index entries."""
    found = await session.execute(_IMPACT, {
        "person_id": person.id, "month_start": today.replace(day=1),
        "year_start": today.replace(month=1, day=1)})
    rows = [(topic, [int(n or 0) for n in numbers]) for topic, *numbers in found.all()]
    added = [sum(numbers[i] for _topic, numbers in rows) for i in range(9)]
    total = Totals(*added[0:3])
    return ImpactView(
        month=Totals(*added[3:6]), year=Totals(*added[6:9]), total=total,
        by_topic=tuple((topic, numbers[0], numbers[1]) for topic, numbers in
                       sorted(rows, key=lambda row: (-row[1][1], row[0]))),
        milestones=milestones(total),
    )


async def people_this_month(session: AsyncSession, person: Person, today: date) -> int:
    return (await _totals(session, person, today.replace(day=1))).people


async def library(session: AsyncSession) -> tuple[LibraryItem, ...]:
    """The health messages in every language (kept in memory until one changes)."""
    return await _library.get(session)


async def _read_library(session: AsyncSession) -> tuple[LibraryItem, ...]:
    messages = list(await session.scalars(select(HealthMessage).order_by(HealthMessage.id)))
    texts: dict[int, list[HealthMessageText]] = {}
    for text in await session.scalars(select(HealthMessageText)):
        texts.setdefault(text.message_id, []).append(text)
    return tuple(
        LibraryItem(m.slug, m.topic, m.source_name, m.source_url,
                    {t.language: t.title for t in texts.get(m.id, [])},
                    {t.language: t.body for t in texts.get(m.id, [])})
        for m in messages)


_library = Kept((HealthMessage, HealthMessageText), _read_library)
