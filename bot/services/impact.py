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
    # count(*) rather than of a column: the database can answer from the index alone.
    return (func.count(), func.coalesce(func.sum(Activity.people_reached), 0),
            func.coalesce(func.sum(Activity.minutes_given), 0))


async def _breakdowns(session: AsyncSession, start: date, end: date, areas: frozenset[int]
                      ) -> tuple[tuple[int, int, int], dict[str, tuple[Row, ...]]]:
    """The totals and every breakdown from one pass over the range: the activities are
    counted per (month, topic, area, kind), and those few groups are added up here."""
    month = func.substr(cast(Activity.happened_on, String), 1, 7)
    query = _in_range(select(month, Activity.topic, Activity.area_id, Activity.kind,
                             *_sums()), start, end, areas)
    groups = (await session.execute(
        query.group_by(month, Activity.topic, Activity.area_id, Activity.kind))).all()
    names: dict[int | None, str] = {None: ""}
    wanted = {area for _m, _t, area, _k, *_rest in groups if area is not None}
    if wanted:
        names.update((await session.execute(
            select(Area.id, Area.name).where(Area.id.in_(wanted)))).tuples().all())
    sums: dict[str, dict[str, list[int]]] = {d: {} for d in DIMENSIONS}
    total = [0, 0, 0]
    for month_key, topic, area, kind, count, people, minutes in groups:
        keys = {"month": month_key, "topic": topic, "area": names.get(area, ""), "kind": kind}
        for dimension, key in keys.items():
            row = sums[dimension].setdefault(str(key), [0, 0, 0])
            row[0] += count
            row[1] += people or 0
            row[2] += minutes or 0
        total[0] += count
        total[1] += people or 0
        total[2] += minutes or 0
    by = {d: tuple(Row(key, *sums[d][key]) for key in sorted(sums[d])) for d in DIMENSIONS}
    return (total[0], total[1], total[2]), by


STAGES = 4  # one pass for the totals and breakdowns, then three counts (``done`` after each)


async def report(session: AsyncSession, start: date, end: date,
                 areas: frozenset[int] = frozenset(),
                 done: Callable[[], None] = lambda: None) -> Report:
    """Everything done from ``start`` to ``end`` (both included) in ``areas`` (all if empty)."""
    (count, people, minutes), by = await _breakdowns(session, start, end, areas)
    done()
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
    totals = []
    for query in (champions, raised, resolved):
        totals.append(int(await session.scalar(query) or 0))
        done()
    champions_joined, concerns_raised, concerns_resolved = totals
    return Report(start, end, count, people, minutes, champions_joined, concerns_raised,
                  concerns_resolved, by)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time(), UTC),
            datetime.combine(end + timedelta(days=1), time(), UTC))
