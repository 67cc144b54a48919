"""What a conversation turn costs: turns/s at 1, 8 and 50 people at once, and SQL statements
per turn, through the real inbound path (bot.services.inbound.handle).

    .venv/bin/python benchmarks/turns_profile.py                 # a temporary SQLite file
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1/bench .venv/bin/python \
        benchmarks/turns_profile.py                               # an empty PostgreSQL database
    ... --profile [tottime]                                       # cProfile, one person

TREE=/path/to/another/checkout runs the same measurement against that checkout's code, so
two versions can be compared side by side on one machine. Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, os.environ.get("TREE") or str(Path(__file__).resolve().parents[1]))

from prometheus_client import REGISTRY
from sqlalchemy import event

from bot.app import App
from bot.services import demo
from bot.services.inbound import handle
from bot.settings import load_settings
from bot.storage.database import Database
from flows.types import Inbound

JOINING = ["JOIN DEMO2026", "English", "yes", "Sam", "1", "skip"]
BROWSING = ["menu", "/info", "1", "menu", "hello there", "menu", "/impact", "menu"]
TOTAL = 400  # turns per measurement


def _one_statement_turns() -> float:
    """PostgreSQL turns written in one statement so far (bot.storage.turn_commit)."""
    return REGISTRY.get_sample_value("champbot_turn_writes_total", {"outcome": "done"}) or 0


async def main() -> None:
    url = os.environ.get("DATABASE_URL") or (
        f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db")
    settings = load_settings({"DATABASE_URL": url}, env_file=None)
    database = Database(settings.database_url)
    await database.upgrade()
    app = App(settings, database)
    await demo.load(database, app.clock())
    statements: Counter[str] = Counter()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements[statement.split(None, 1)[0].upper()] += 1

    for engine in database.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", count)
    serial = iter(range(10**9))

    async def say(who: str, text: str) -> None:
        await handle(app, Inbound("console", who, f"m{next(serial)}", app.clock(), text=text))

    async def person(who: str, script: list[str]) -> None:
        for text in script:
            await say(who, text)

    people = 50
    await asyncio.gather(*(person(f"p{k}", JOINING) for k in range(people)))
    code = Path(handle.__code__.co_filename).parents[2]
    print(f"database: {database.url.get_backend_name()}  code: {code}")
    for at_once in (1, 8, 50):
        each = TOTAL // at_once
        script = [BROWSING[n % len(BROWSING)] for n in range(each)]
        statements.clear()
        quick_before = _one_statement_turns()
        profiler = cProfile.Profile() if "--profile" in sys.argv and at_once == 1 else None
        if profiler:
            profiler.enable()
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(person(f"p{k}", script) for k in range(at_once)))
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        if profiler:
            profiler.disable()
            order = "tottime" if "tottime" in sys.argv else "cumulative"
            pstats.Stats(profiler).sort_stats(order).print_stats(40)
        turns = each * at_once
        per = {k: round(v / turns, 2) for k, v in sorted(statements.items())}
        quick = _one_statement_turns() - quick_before
        print(f"{at_once:3d} at once: {turns / took:8.1f} turns/s  "
              f"{cpu / turns * 1000:5.2f} ms CPU/turn  "
              f"{sum(statements.values()) / turns:5.2f} statements/turn {per}"
              + (f"  one-statement turns: {quick / turns:.0%} (their two statements go "
                 "to asyncpg directly, not counted)" if quick else ""))
    await database.close()


if __name__ == "__main__":
    asyncio.run(main())
