"""Query times on a grown database: "My impact", a partner's digest, the impact report
and the dashboard's concern figures, with many activities and concerns made by the
database itself (INSERT … SELECT). The naive baseline for each loads the rows the answer
depends on as ORM objects and adds them up in Python.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks import rows
from benchmarks.figures import Figure
from bot.app import App
from bot.services import concernstats, digests, impact, views
from bot.storage import totals
from bot.storage.escalations import Escalation, Partner, PartnerArea, PartnerCategory
from bot.storage.models import Activity, Concern, Person

CATEGORIES = ("housing", "cost_of_living", "mental_health", "vaccination", "diabetes",
              "screening", "maternity", "eating", "exercise", "heart", "smoking_alcohol")
DAYS = 730  # activities spread over two years; concerns over one


def _activities(dialect: str) -> str:
    day = ("date(:today, '-' || (i % 730) || ' days')" if dialect == "sqlite"
           else "CAST(:today AS date) - (i % 730)")
    return rows.COUNTER + f"""
INSERT INTO activities (person_id, kind, topic, happened_on, area_id, venue, people_reached,
                        minutes_given, created_at)
SELECT :first_person + (CAST(i AS BIGINT) * 7919) % :people,
       CASE i % 4 WHEN 0 THEN 'talk' WHEN 1 THEN 'event' WHEN 2 THEN 'stall' ELSE 'visit' END,
       CASE i % 3 WHEN 0 THEN 'vaccination' WHEN 1 THEN 'diabetes' ELSE 'housing' END,
       {day}, :first_area + i % :areas, 'community_centre', 1 + i % 20, 5 + i % 60, :now
FROM n"""


def _concerns(dialect: str) -> str:
    ago = ("datetime(:now, '-' || (i % 365) || ' days', '-' || (i % 24) || ' hours')"
           if dialect == "sqlite"
           else "CAST(:now AS timestamptz) - make_interval(days => i % 365, hours => i % 24)")
    category = "CASE i % 11 " + " ".join(
        f"WHEN {n} THEN '{c}'" for n, c in enumerate(CATEGORIES)) + " END"
    return rows.COUNTER + f"""
INSERT INTO concerns (person_id, category, area_id, urgency, contact_ok, status, confirmed,
                      language, created_at, updated_at)
SELECT :first_person + (CAST(i AS BIGINT) * 104729) % :people, {category}, :first_area + i % :areas,
       'soon', false,
       CASE i % 3 WHEN 0 THEN 'received' WHEN 1 THEN 'passed_on' ELSE 'resolved' END,
       true, 'en', {ago}, {ago}
FROM n"""


ESCALATIONS = """
INSERT INTO escalations (concern_id, partner_id, status, urgent, changed_by, created_at,
                         updated_at)
SELECT id, :partner, 'new', false, 'system', created_at, updated_at FROM concerns
WHERE id % :every = 0 AND category IN ('housing', 'cost_of_living')
"""


async def grow(app: App, people: int, activities: int, concerns: int) -> tuple[int, int]:
    """Champions, activities, concerns and a partner; (a champion's id, the partner's id)."""
    now = app.clock()
    async with app.database.transaction() as session:
        dialect = session.get_bind().dialect.name
        stamp = rows.stamp(session, now)
        areas = [int(a) for a in (await session.scalars(text("SELECT id FROM areas"))).all()]
        await session.execute(text(rows.COUNTER + """
INSERT INTO people (role, status, language, area_id, topics, created_at, updated_at)
SELECT 'champion', 'active', 'en', :area, '[]', :now, :now FROM n"""),
                              {"count": people, "area": areas[0], "now": stamp})
        first = int(await session.scalar(text("SELECT min(id) FROM people")) or 0)
        shape = {"first_person": first, "people": people, "first_area": min(areas),
                 "areas": len(areas), "now": stamp, "today": now.date().isoformat()
                 if dialect == "sqlite" else now.date()}
        await session.execute(text(_activities(dialect)), {"count": activities, **shape})
        shape.pop("today")
        await session.execute(text(_concerns(dialect)), {"count": concerns, **shape})
        # Written without the ORM: the totals the reports read are added up once here.
        await session.run_sync(lambda sync: totals.rebuild(sync.connection()))
        partner = Partner(name="Riverside Housing", language="en", emails=[],
                          created_at=now, updated_at=now)
        session.add(partner)
        await session.flush()
        session.add_all([PartnerCategory(partner_id=partner.id, category=c)
                         for c in ("housing", "cost_of_living")])
        session.add_all([PartnerArea(partner_id=partner.id, area_id=a) for a in areas[:2]])
        await session.flush()
        await session.execute(text(ESCALATIONS), {"partner": partner.id, "every": 50})
    if dialect == "postgresql":
        async with app.database.engine.connect() as connection:
            await connection.execute(text("COMMIT"))
            await connection.execute(text("ANALYZE"))
    return first, partner.id


async def _median_ms(app: App, repeats: int,
                     query: Callable[[AsyncSession], Awaitable[object]]) -> float:
    times = []
    for _ in range(repeats):
        async with app.database.transaction() as session:
            started = time.perf_counter()
            await query(session)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# -- the naive baselines -------------------------------------------------------------

async def _naive_impact(session: AsyncSession, person: Person, today: date) -> object:
    done = list(await session.scalars(select(Activity).where(Activity.person_id == person.id)))
    month, year = today.replace(day=1), today.replace(month=1, day=1)
    sums: Counter[str] = Counter()
    for a in done:
        for name, since in (("month", month), ("year", year), ("total", date.min)):
            if a.happened_on >= since:
                sums[name] += a.people_reached
                sums[name + "_minutes"] += a.minutes_given or 0
        sums["topic:" + a.topic] += a.people_reached
    return sums


async def _naive_report(session: AsyncSession, start: date, end: date) -> object:
    done = list(await session.scalars(select(Activity).where(
        Activity.happened_on >= start, Activity.happened_on <= end)))
    sums: Counter[str] = Counter()
    for a in done:
        for key in (a.happened_on.isoformat()[:7], a.topic, str(a.area_id), a.kind):
            sums[key] += a.people_reached
    return sums


async def _naive_digest(session: AsyncSession, partner_id: int, now: datetime) -> object:
    categories = set(await session.scalars(select(PartnerCategory.category).where(
        PartnerCategory.partner_id == partner_id)))
    areas = set(await session.scalars(select(PartnerArea.area_id).where(
        PartnerArea.partner_id == partner_id)))
    found = list(await session.scalars(select(Concern).where(
        Concern.created_at >= now - timedelta(days=60))))
    counts: Counter[tuple[str, int | None]] = Counter()
    for c in found:
        if c.category in categories and c.area_id in areas and c.confirmed:
            counts[(c.category, c.area_id)] += 1
    return counts


async def _naive_stats(session: AsyncSession, today: date) -> object:
    routed = list(await session.scalars(select(Escalation)))
    since = datetime.combine(impact.previous_month(today)[0], datetime.min.time(), UTC)
    concerns = {c.id: c for c in await session.scalars(
        select(Concern).where(Concern.created_at >= since))}
    hours = [(e.acknowledged_at - concerns[e.concern_id].created_at).total_seconds() / 3600
             for e in routed if e.acknowledged_at and e.concern_id in concerns]
    return (sum(1 for e in routed if e.partner_id is None),
            statistics.median(hours) if hours else None)


async def measure(app: App, people: int, activities: int, concerns: int, repeats: int
                  ) -> list[Figure]:
    started = time.perf_counter()
    person_id, partner_id = await grow(app, people, activities, concerns)
    made = time.perf_counter() - started
    now = datetime.now(UTC)
    today = now.date()
    async with app.database.transaction() as session:
        person = await session.get(Person, person_id)
        partner = await session.get(Partner, partner_id)
    assert person is not None and partner is not None
    start, end = impact.previous_month(today)
    year, _today = impact.last_twelve_months(today)
    naive_repeats = max(1, repeats // 3)

    checks: list[tuple[str, Callable[[AsyncSession], Awaitable[Any]],
                       Callable[[AsyncSession], Awaitable[Any]]]] = [
        ('"My impact" (one champion)', lambda s: views.impact_of(s, person, today),
         lambda s: _naive_impact(s, person, today)),
        ("partner digest", lambda s: digests.build(s, partner, now),
         lambda s: _naive_digest(s, partner.id, now)),
        ("impact report (last month)", lambda s: impact.report(s, start, end),
         lambda s: _naive_report(s, start, end)),
        # The dashboard's default range: the last twelve months, this one included.
        ("impact report (last twelve months)", lambda s: impact.report(s, year, today),
         lambda s: _naive_report(s, year, today)),
        ("concern figures (dashboard)", lambda s: concernstats.stats(s, app.settings, now),
         lambda s: _naive_stats(s, today)),
    ]
    size = f"{activities:,} activities, {concerns:,} concerns"
    figures = []
    for name, project, naive in checks:
        mine = await _median_ms(app, repeats, project)
        theirs = await _median_ms(app, naive_repeats, naive)
        figures.append(Figure("growth", name, "ms", mine, theirs, better="lower",
                              note=f"{size}; naive: ORM rows summed in Python"))
    figures.append(Figure("growth", "bulk-create the rows (INSERT…SELECT)", "s", made, None,
                          better="lower", note=size))
    return figures
