"""The impact report reads day totals, not every activity: its numbers stay those of the
rows themselves after activities are logged, corrected, deleted and their champion erased,
and after concerns are raised, confirmed and moved."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import make_url

from bot.app import App
from bot.services import impact
from bot.storage import totals
from bot.storage.database import Database, alembic_config
from bot.storage.models import (
    Activity,
    ActivityTotal,
    Area,
    Concern,
    ConcernStatus,
    ConcernTotal,
)
from tests.conftest import POSTGRES_URL, empty_postgres
from tests.support.chat import joined
from tests.support.dashboard import add_activity

pytestmark = pytest.mark.usefixtures("programme")


def _from_rows(activities: list[Activity], concerns: list[Concern], names: dict[int, str],
               start: date, end: date, areas: frozenset[int]) -> dict[str, object]:
    """What the report must say, added up here from every row."""
    picked = [a for a in activities if start <= a.happened_on <= end
              and (not areas or a.area_id in areas)]
    by: dict[str, Counter[tuple[str, str]]] = {}
    for a in picked:
        for dimension, key in (("month", a.happened_on.isoformat()[:7]), ("topic", a.topic),
                               ("area", names.get(a.area_id or 0, "")), ("kind", a.kind)):
            sums = by.setdefault(dimension, Counter())
            sums[(key, "activities")] += 1
            sums[(key, "people")] += a.people_reached
            sums[(key, "minutes")] += a.minutes_given or 0
    since = datetime.combine(start, datetime.min.time(), UTC)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC)
    return {
        "activities": len(picked), "people": sum(a.people_reached for a in picked),
        "minutes": sum(a.minutes_given or 0 for a in picked),
        "raised": sum(1 for c in concerns if c.confirmed and since <= c.created_at < until
                      and (not areas or c.area_id in areas)),
        "by": {d: {(key, field): value for (key, field), value in sums.items()}
               for d, sums in by.items()},
    }


def _from_report(report: impact.Report) -> dict[str, object]:
    by = {d: {(row.key, field): value for row in rows
              for field, value in (("activities", row.activities), ("people", row.people),
                                   ("minutes", row.minutes))}
          for d, rows in report.by.items() if rows}
    return {"activities": report.activities, "people": report.people,
            "minutes": report.minutes, "raised": report.concerns_raised, "by": by}


async def assert_reports_match_the_rows(app: App) -> None:
    today = app.clock().date()
    async with app.database.transaction() as session:
        activities = list(await session.scalars(select(Activity)))
        concerns = list(await session.scalars(select(Concern)))
        names = dict((await session.execute(select(Area.id, Area.name))).all())
        some_area = frozenset({min(names)})
        for start, end in (impact.previous_month(today), impact.last_twelve_months(today),
                           (date(2000, 1, 1), date(2100, 1, 1))):
            for areas in (frozenset[int](), some_area):
                report = await impact.report(session, start, end, areas)
                assert _from_report(report) == _from_rows(
                    activities, concerns, names, start, end, areas), (start, end, areas)


async def assert_totals_equal_a_rebuild(app: App) -> None:
    async with app.database.transaction() as session:
        kept = [sorted((await session.execute(select(table))).all())
                for table in (ActivityTotal.__table__, ConcernTotal.__table__)]
        await session.run_sync(lambda sync: totals.rebuild(sync.connection()))
        again = [sorted((await session.execute(select(table))).all())
                 for table in (ActivityTotal.__table__, ConcernTotal.__table__)]
    assert kept == again


async def test_the_report_adds_up_the_rows_after_logging_correcting_and_erasing(
    app: App
) -> None:
    amina = await joined(app, "amina")
    earlier = (app.clock().date() - timedelta(days=3)).strftime("%d/%m/%Y")
    for reached, when in (("25", "today"), ("7", earlier), ("12", "today")):
        for answer in ["/log", "1", "3", when, "1", "1", reached, "2", "a note", "1"]:
            await amina.says(answer)
    today = app.clock().date()
    async with app.database.transaction() as session:
        areas = list(await session.scalars(select(Area.id).order_by(Area.id)))
    for months_ago, area in ((1, areas[0]), (1, None), (5, areas[1]), (13, areas[0])):
        await add_activity(app, None, today - timedelta(days=30 * months_ago), 9,
                           minutes=45, topic="housing", kind="event", area_id=area)
    async with app.database.transaction() as session:  # many at once, without objects
        await session.execute(insert(Activity), [
            {"person_id": None, "kind": "talk", "topic": "diabetes", "venue": "online",
             "happened_on": today - timedelta(days=n * 11), "area_id": areas[n % 3],
             "people_reached": n, "created_at": app.clock()} for n in range(1, 60)])
    await assert_reports_match_the_rows(app)

    async with app.database.transaction() as session:  # corrections and a deletion
        first, second, third = (await session.scalars(
            select(Activity).order_by(Activity.id).limit(3))).all()
        first.people_reached += 100
        first.area_id = areas[2]
        second.happened_on -= timedelta(days=40)
        second.topic = "vaccination"
        await session.delete(third)
    await assert_reports_match_the_rows(app)

    await amina.says("forget")
    await amina.says("1")
    async with app.database.transaction() as session:
        left = list(await session.scalars(select(Activity).where(Activity.note.is_not(None))))
    assert left == []  # their words went; their numbers stay in the totals
    await assert_reports_match_the_rows(app)
    await assert_totals_equal_a_rebuild(app)


async def test_concerns_raised_count_only_confirmed_ones_by_day_and_area(app: App) -> None:
    now = app.clock()
    async with app.database.transaction() as session:
        areas = list(await session.scalars(select(Area.id).order_by(Area.id)))
        made = [Concern(category="housing", area_id=areas[n % 2] if n % 5 else None,
                        urgency="soon", status=ConcernStatus.RECEIVED, confirmed=n % 4 != 0,
                        language="en", created_at=now - timedelta(days=n * 9, hours=n),
                        updated_at=now) for n in range(60)]
        session.add_all(made)
    await assert_reports_match_the_rows(app)
    async with app.database.transaction() as session:
        unconfirmed = await session.scalar(select(Concern).where(Concern.confirmed.is_(False))
                                           .order_by(Concern.id))
        moved = await session.scalar(select(Concern).where(Concern.confirmed.is_(True))
                                     .order_by(Concern.id.desc()))
        assert unconfirmed is not None and moved is not None
        unconfirmed.confirmed = True  # a red flag confirmed as a concern
        moved.area_id = areas[3]
        moved.created_at = now - timedelta(days=2)
        moved.status = ConcernStatus.RESOLVED
        gone = await session.scalar(select(Concern).where(Concern.confirmed.is_(True))
                                    .order_by(Concern.id))
        await session.delete(gone)
    await assert_reports_match_the_rows(app)
    await assert_totals_equal_a_rebuild(app)


async def test_statements_that_would_bypass_the_totals_are_refused(app: App) -> None:
    await add_activity(app, None, app.clock().date(), 5)
    for statement in (update(Activity).values(people_reached=1), delete(Activity),
                      update(Concern).values(area_id=None)):
        with pytest.raises(totals.TotalsBypassed):
            async with app.database.transaction() as session:
                await session.execute(statement)
    async with app.database.transaction() as session:  # words only: the totals stay right
        await session.execute(update(Activity).values(note=None, kind_other=None))
    await assert_reports_match_the_rows(app)


@pytest.fixture
async def empty_url(tmp_path: Path) -> str:
    """A database of this test's own, with nothing in it."""
    if not POSTGRES_URL:
        return f"sqlite+aiosqlite:///{tmp_path / 'backfill.db'}"
    url = make_url(POSTGRES_URL)
    url = url.set(database=f"{url.database}_backfill").render_as_string(hide_password=False)
    await empty_postgres(url)
    return url


async def test_the_migration_adds_up_the_rows_already_there(empty_url: str) -> None:
    database = Database(empty_url)
    day = date(2026, 3, 14)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0012"))
            await connection.execute(text(
                "INSERT INTO areas (id, code, name, created_at) "
                "VALUES (1, 'n', 'Northfield', :now)"), {"now": datetime(2026, 1, 1, tzinfo=UTC)})
            await connection.execute(insert(Activity.__table__), [
                {"kind": "talk", "topic": "diabetes", "venue": "online", "area_id": area,
                 "happened_on": day, "people_reached": 4, "minutes_given": minutes,
                 "created_at": datetime(2026, 3, 14, tzinfo=UTC)}
                for area, minutes in ((1, 30), (1, None), (None, 60))])
            await connection.execute(insert(Concern.__table__), [
                {"category": "housing", "area_id": 1, "urgency": "soon", "contact_ok": False,
                 "status": "received", "confirmed": confirmed, "language": "en",
                 "created_at": at, "updated_at": at}
                for confirmed, at in ((True, datetime(2026, 3, 14, 23, 30, tzinfo=UTC)),
                                      (True, datetime(2026, 3, 15, 0, 30, tzinfo=UTC)),
                                      (False, datetime(2026, 3, 15, 1, tzinfo=UTC)))])
            await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
            activity_rows = sorted((await connection.execute(
                select(ActivityTotal.__table__))).all())
            concern_rows = sorted((await connection.execute(
                select(ConcernTotal.__table__))).all())
    finally:
        await database.close()
    assert activity_rows == [(day, 0, "diabetes", "talk", 1, 4, 60),
                             (day, 1, "diabetes", "talk", 2, 8, 30)]
    assert concern_rows == [(day, 1, 1), (date(2026, 3, 15), 1, 1)]
