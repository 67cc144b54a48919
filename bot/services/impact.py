"""The programme's impact for a date range: totals and breakdowns by month, topic, area
and kind of activity. One service for the dashboard page, its exports, the chart in chat
and `champbot report impact`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Activity, Area, Concern, Person, Role

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


def _in_range(query: Select[Any], start: date, end: date,
              areas: frozenset[int]) -> Select[Any]:
    query = query.where(Activity.happened_on >= start, Activity.happened_on <= end)
    return query.where(Activity.area_id.in_(areas)) if areas else query


def _sums() -> tuple[Any, ...]:
    return (func.count(Activity.id), func.coalesce(func.sum(Activity.people_reached), 0),
            func.coalesce(func.sum(Activity.minutes_given), 0))


async def _breakdown(session: AsyncSession, dimension: str, start: date, end: date,
                     areas: frozenset[int]) -> tuple[Row, ...]:
    key: Any
    if dimension == "area":
        key = func.coalesce(Area.name, "")
        query = select(key, *_sums()).select_from(Activity).outerjoin(
            Area, Area.id == Activity.area_id)
    elif dimension == "month":
        key = func.substr(cast(Activity.happened_on, String), 1, 7)
        query = select(key, *_sums())
    else:
        key = Activity.topic if dimension == "topic" else Activity.kind
        query = select(key, *_sums())
    query = _in_range(query, start, end, areas).group_by(key).order_by(key)
    rows = (await session.execute(query)).all()
    return tuple(Row(str(k), int(n), int(p or 0), int(m or 0)) for k, n, p, m in rows)


STAGES = 1 + len(DIMENSIONS)  # the totals, then each breakdown (``done`` is called after each)


async def report(session: AsyncSession, start: date, end: date,
                 areas: frozenset[int] = frozenset(),
                 done: Callable[[], None] = lambda: None) -> Report:
    """Everything done from ``start`` to ``end`` (both included) in ``areas`` (all if empty)."""
    count, people, minutes = (await session.execute(
        _in_range(select(*_sums()), start, end, areas))).one()
    from_time, to_time = _bounds(start, end)
    champions = select(func.count(Person.id)).where(
        Person.role == Role.CHAMPION, Person.created_at >= from_time, Person.created_at < to_time)
    raised = select(func.count(Concern.id)).where(
        Concern.confirmed.is_(True), Concern.created_at >= from_time,
        Concern.created_at < to_time)
    # Resolved (or closed) during the range, whenever it was raised.
    resolved = select(func.count(Concern.id)).where(
        Concern.confirmed.is_(True), Concern.status.in_(("resolved", "closed")),
        Concern.updated_at >= from_time, Concern.updated_at < to_time)
    if areas:
        champions = champions.where(Person.area_id.in_(areas))
        raised = raised.where(Concern.area_id.in_(areas))
        resolved = resolved.where(Concern.area_id.in_(areas))
    totals = (int(await session.scalar(champions) or 0), int(await session.scalar(raised) or 0),
              int(await session.scalar(resolved) or 0))
    done()
    by = {}
    for dimension in DIMENSIONS:
        by[dimension] = await _breakdown(session, dimension, start, end, areas)
        done()
    return Report(start, end, int(count), int(people or 0), int(minutes or 0), *totals, by)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time(), UTC),
            datetime.combine(end + timedelta(days=1), time(), UTC))
