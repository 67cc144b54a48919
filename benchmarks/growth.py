"""How long "My impact", the impact reports, a partner's digest and the concern figures take
once the programme has grown: 1,000,000 activities and 100,000 concerns by default.

    .venv/bin/python benchmarks/growth.py                     # SQLite
    .venv/bin/python benchmarks/growth.py --postgres postgresql+asyncpg://postgres@127.0.0.1/bench

The rows are written by the database itself, then each query runs a few times and the
median is printed in milliseconds, with ``EXPLAIN`` of the statements behind them when
``--explain`` is given. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import concernstats, digests, impact, views
from bot.settings import load_settings
from bot.storage.database import Database
from bot.storage.escalations import Partner
from bot.storage.models import Person

PEOPLE, AREAS = 10_000, 20

# Every statement is dialect-neutral except the numbers' source and date arithmetic.
SERIES = {"sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                    "WHERE i < {count}) ",
          "postgresql": "WITH n(i) AS (SELECT generate_series(1, {count})) "}
DAY = {"sqlite": "date('{start}', '+' || ({days}) || ' days')",
       "postgresql": "(DATE '{start}' + ({days}))"}
MOMENT = {"sqlite": "datetime('{start}', '+' || ({days}) || ' days', '+' || (i % 86400) "
                    "|| ' seconds')",
          "postgresql": "(TIMESTAMPTZ '{start}' + ({days}) * INTERVAL '1 day' "
                        "+ (i % 86400) * INTERVAL '1 second')"}


def fill_statements(dialect: str, activities: int, concerns: int, start: date) -> list[str]:
    series, day, moment = SERIES[dialect], DAY[dialect], MOMENT[dialect]
    stamp = moment.format(start=start, days="i % 1000")
    return [
        series.format(count=AREAS) + "INSERT INTO areas (code, name, created_at) "
        "SELECT 'area' || i, 'Area ' || i, CURRENT_TIMESTAMP FROM n",
        series.format(count=PEOPLE) + "INSERT INTO people (role, status, language, area_id, "
        "topics, created_at, updated_at) SELECT 'champion', 'active', 'en', "
        f"1 + i % {AREAS}, '[]', {stamp}, {stamp} FROM n",
        series.format(count=activities) + "INSERT INTO activities (person_id, kind, topic, "
        "happened_on, area_id, venue, people_reached, minutes_given, created_at) "
        f"SELECT 1 + i % {PEOPLE}, 'talk', CASE i % 4 WHEN 0 THEN 'flu' WHEN 1 THEN 'covid' "
        f"WHEN 2 THEN 'mental_health' ELSE 'diabetes' END, "
        f"{day.format(start=start, days='i % 1000')}, 1 + i % {AREAS}, 'home', i % 20, "
        f"i % 90, {stamp} FROM n",
        series.format(count=concerns) + "INSERT INTO concerns (person_id, category, area_id, "
        "urgency, contact_ok, status, confirmed, language, created_at, updated_at) "
        f"SELECT 1 + i % {PEOPLE}, CASE i % 3 WHEN 0 THEN 'housing' WHEN 1 THEN 'gp_access' "
        f"ELSE 'food' END, 1 + i % {AREAS}, 'soon', false, "
        "CASE WHEN i % 100 = 0 THEN 'received' ELSE 'closed' END, true, 'en', "
        f"{stamp}, {stamp} FROM n",
        "INSERT INTO partners (name, all_areas, emails, work_days, work_start, work_end, "
        "digest_time, language, created_at, updated_at) VALUES ('Food bank', true, '[]', "
        "'12345', '09:00', '17:00', '08:00', 'en', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "INSERT INTO partner_categories (partner_id, category) SELECT id, 'food' FROM partners",
        "INSERT INTO escalations (concern_id, partner_id, status, urgent, changed_by, "
        "created_at, updated_at, digested_at) SELECT c.id, CASE WHEN c.category = 'food' "
        "THEN p.id END, CASE WHEN c.status = 'received' THEN 'new' ELSE 'closed' END, false, "
        "'bench', c.created_at, c.created_at, c.created_at FROM concerns c, partners p",
    ]


async def fill(url: str, activities: int, concerns: int, today: date, reuse: bool) -> None:
    database = Database(url)
    if reuse:
        filled = 0
        with contextlib.suppress(Exception):  # nothing there yet
            async with database.transaction() as session:
                filled = await session.scalar(text("SELECT count(*) FROM activities")) or 0
        if filled:
            await database.upgrade()  # the indexes of a newer version, if any
            await settle(database)
            await database.close()
            return
    if database.is_postgres:
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await database.upgrade()
    dialect = "postgresql" if database.is_postgres else "sqlite"
    async with database.transaction() as session:
        for statement in fill_statements(dialect, activities, concerns,
                                         today - timedelta(days=999)):
            await session.execute(text(statement))
    await settle(database)
    await database.close()


async def settle(database: Database) -> None:
    """What autovacuum soon does to a table that grew: statistics, and (PostgreSQL) the
    visibility map that lets a query be answered from an index alone."""
    statement = "VACUUM ANALYZE" if database.is_postgres else "ANALYZE"
    async with database.engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(statement))


Query = Callable[[AsyncSession], Awaitable[Any]]


def queries(settings: Any, now: datetime) -> dict[str, Query]:
    today = now.date()

    async def person(session: AsyncSession) -> Person:
        found = await session.get(Person, 4242)
        assert found is not None
        return found

    async def partner(session: AsyncSession) -> Partner:
        found: Partner | None = await session.scalar(select(Partner))
        assert found is not None
        return found

    async def my_impact(session: AsyncSession) -> Any:
        return await views.impact_of(session, await person(session), today)

    async def month_report(session: AsyncSession) -> Any:
        return await impact.report(session, *impact.previous_month(today))

    async def area_month_report(session: AsyncSession) -> Any:
        return await impact.report(session, *impact.previous_month(today), frozenset({3}))

    async def year_report(session: AsyncSession) -> Any:
        return await impact.report(session, today - timedelta(days=365), today)

    async def digest(session: AsyncSession) -> Any:
        return await digests.build(session, await partner(session), now)

    async def stats(session: AsyncSession) -> Any:
        return await concernstats.stats(session, settings, now)

    return {"my impact": my_impact, "impact report (month)": month_report,
            "impact report (month, one area)": area_month_report,
            "impact report (year)": year_report, "partner digest": digest,
            "concern figures": stats}


async def measure(url: str, explain: bool, runs: int = 5) -> dict[str, float]:
    settings = load_settings({"DATABASE_URL": url}, env_file=None)
    database = Database(settings.database_url)
    now = datetime.now(UTC)
    seen: list[str] = []

    def remember(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    found = {}
    for name, query in queries(settings, now).items():
        times = []
        for _ in range(runs):
            async with database.transaction() as session:
                started = time.perf_counter()
                await query(session)
                times.append((time.perf_counter() - started) * 1000)
        found[name] = statistics.median(times)
        if explain:
            event.listen(database.engine.sync_engine, "before_cursor_execute", remember)
            seen.clear()
            async with database.transaction() as session:
                await query(session)
            event.remove(database.engine.sync_engine, "before_cursor_execute", remember)
            print(f"--- {name}")
            for statement in seen:
                print(statement.replace("\n", " ")[:300])
    await database.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL whose database may be wiped")
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--concerns", type=int, default=100_000)
    parser.add_argument("--keep", help="an SQLite file to fill once and reuse")
    parser.add_argument("--reuse", action="store_true",
                        help="keep what the databases hold from a previous run (upgraded)")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    today = datetime.now(UTC).date()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        urls = {"sqlite": f"sqlite+aiosqlite:///{args.keep or folder + '/g.db'}"}
        if args.postgres:
            urls["postgresql"] = args.postgres
        for name, url in urls.items():
            started = time.perf_counter()
            asyncio.run(fill(url, args.activities, args.concerns, today, args.reuse))
            print(f"{name}: filled in {time.perf_counter() - started:.0f} s", flush=True)
            results[name] = asyncio.run(measure(url, args.explain))
    print(f"{'query (median ms)':<34}" + "".join(f"{name:>12}" for name in results))
    for query in next(iter(results.values())):
        print(f"{query:<34}" + "".join(f"{r[query]:>12.1f}" for r in results.values()))


if __name__ == "__main__":
    main()
