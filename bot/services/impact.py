"""The programme's impact for a date range: totals and breakdowns by month, topic, area
and kind of activity. One service for the dashboard page, its exports, the chart in chat
and `champbot report impact`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.areas import names as area_names
from bot.storage.models import (
    NO_AREA,
    ActivityTotal,
    Concern,
    ConcernTotal,
    Person,
    Role,
)

DIMENSIONS = ("month", "topic", "area", "kind")


@dataclass(frozen=True)
class Row:
    key: str  # a month "2026-11", a topic or kind id, an area name ("" for none)
    activities: int
    people: int
    minutes: int


@dataclass(frozen=True)
class Report:
    start: date
    end: date  # inclusive
    activities: int = 0
    people: int = 0
    minutes: int = 0
    new_champions: int = 0
    concerns_raised: int = 0
    concerns_resolved: int = 0
    by: dict[str, tuple[Row, ...]] = field(default_factory=dict)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date) -> tuple[date, date]:
    """The first and last day of the month before ``day``'s."""
    end = month_start(day) - timedelta(days=1)
    return month_start(end), end


def last_twelve_months(day: date) -> tuple[date, date]:
    """The dashboard's default range: twelve calendar months, ``day``'s month the last."""
    year_before = month_start(day).replace(year=day.year - 1)
    return month_start(year_before + timedelta(days=31)), day


async def _breakdowns(session: AsyncSession, start: date, end: date, areas: frozenset[int]
                      ) -> tuple[tuple[int, int, int], dict[str, tuple[Row, ...]]]:
    """The totals and every breakdown from one pass over the range's day totals (a few per
    day, however many activities): added up per (month, topic, area, kind) by the
    database, and those few groups added up here."""
    day = ActivityTotal
    keys = (func.substr(cast(day.happened_on, String), 1, 7), day.topic, day.area_id, day.kind)
    query = (select(*keys, func.sum(day.activities), func.sum(day.people_reached),
                    func.sum(day.minutes_given))
             .where(day.happened_on >= start, day.happened_on <= end))
    if areas:
        query = query.where(day.area_id.in_(areas))
    groups = (await session.execute(query.group_by(*keys))).all()
    names: dict[int, str] = {NO_AREA: "", **dict(await area_names(session))}
    sums: dict[str, dict[str, list[int]]] = {d: {} for d in DIMENSIONS}
    total = [0, 0, 0]
    for month_key, topic, area, kind, count, people, minutes in groups:
        found = {"month": month_key, "topic": topic, "area": names.get(area, ""), "kind": kind}
        for dimension, key in found.items():
            row = sums[dimension].setdefault(str(key), [0, 0, 0])
            row[0] += int(count)
            row[1] += int(people)
            row[2] += int(minutes)
        total[0] += int(count)
        total[1] += int(people)
        total[2] += int(minutes)
    by = {d: tuple(Row(key, *sums[d][key]) for key in sorted(sums[d])) for d in DIMENSIONS}
    return (total[0], total[1], total[2]), by


STAGES = 2  # the totals and breakdowns, then the counts (``done`` after each)


async def report(session: AsyncSession, start: date, end: date,
                 areas: frozenset[int] = frozenset(),
                 done: Callable[[], None] = lambda: None) -> Report:
    """Everything done from ``start`` to ``end`` (both included) in ``areas`` (all if empty)."""
    (count, people, minutes), by = await _breakdowns(session, start, end, areas)
    done()
    from_time, to_time = _bounds(start, end)
    champions = select(func.count()).select_from(Person).where(
        Person.role == Role.CHAMPION, Person.created_at >= from_time, Person.created_at < to_time)
    # Raised: added up from the day totals, not counted concern by concern.
    raised = select(func.coalesce(func.sum(ConcernTotal.raised), 0)).where(
        ConcernTotal.raised_on >= start, ConcernTotal.raised_on <= end)
    # Resolved (or closed) during the range, whenever it was raised.
    # ``confirmed`` alone, not ``IS TRUE``: PostgreSQL then needs no row, only the index.
    resolved = select(func.count()).select_from(Concern).where(
        Concern.confirmed, Concern.status.in_(("resolved", "closed")),
        Concern.updated_at >= from_time, Concern.updated_at < to_time)
    if areas:
        champions = champions.where(Person.area_id.in_(areas))
        raised = raised.where(ConcernTotal.area_id.in_(areas))
        resolved = resolved.where(Concern.area_id.in_(areas))
    # One statement for the three (each from its index): one round trip, not three.
    found = (await session.execute(select(champions.scalar_subquery(),
                                          raised.scalar_subquery(),
                                          resolved.scalar_subquery()))).one()
    done()
    champions_joined, concerns_raised, concerns_resolved = (int(n or 0) for n in found)
    return Report(start, end, count, people, minutes, champions_joined, concerns_raised,
                  concerns_resolved, by)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """From the start of ``start`` to the start of the day after ``end`` (for the last
    day a date can be, 9999-12-31, its last moment): any range is a report."""
    last = (datetime.combine(end + timedelta(days=1), time(), UTC) if end < date.max
            else datetime.max.replace(tzinfo=UTC))
    return datetime.combine(start, time(), UTC), last
