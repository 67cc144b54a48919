"""How fast the dispatcher empties the outbox to a sender that does nothing, with one
process and (on PostgreSQL) two, and whether anything was sent twice.

    .venv/bin/python benchmarks/dispatch.py                  # SQLite, one process
    .venv/bin/python benchmarks/dispatch.py --postgres postgresql+asyncpg://postgres@127.0.0.1/bench

The rows are written by the database itself (a recursive query): one message to each
of ``--count`` addresses, half replies and half broadcast rows, then ``ANALYZE`` (as
autovacuum would soon do). Each dispatcher runs in a process of its own, as `champbot
run` runs it (``run_forever``), and prints the ids it sent; the parent counts them.
Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bot.channels.base import Delivered, Limits, Outgoing, SendResult
from bot.dispatch import Dispatcher
from bot.storage.database import Database

ROWS = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO outbox (channel, address, kind, payload, status, attempts, next_attempt_at,
                    created_at, forget_after_send)
SELECT 'console', CAST(900000 + i AS VARCHAR(20)),
       CASE i % 2 WHEN 0 THEN 'reply' ELSE 'broadcast' END,
       '{"text": "Free flu jabs on Saturday."}', 'pending', 0, :now, :now, false FROM n
"""


UNSENT = "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"


class Null:
    channel = "console"
    limits = Limits(per_second=1_000_000)

    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send(self, message: Outgoing) -> SendResult:
        self.sent.append(message.id)
        return Delivered(f"n{message.id}")


async def fill(url: str, count: int) -> None:
    database = Database(url)
    if database.is_postgres:
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await database.upgrade()
    now = datetime.now(UTC)
    stamp = now if database.is_postgres else now.replace(tzinfo=None).isoformat(" ")
    async with database.transaction() as session:
        await session.execute(text(ROWS), {"count": count, "now": stamp})
    async with database.engine.begin() as connection:
        await connection.execute(text("ANALYZE"))
    await database.close()


async def drain(url: str, start_at: float) -> dict[str, object]:
    """The dispatcher as `champbot run` runs it, until no message is left unsent."""
    database = Database(url)
    sender = Null()
    dispatcher = Dispatcher(database, [sender], lambda: datetime.now(UTC))
    async with database.transaction() as session:  # connect before the clock starts
        await session.execute(text("SELECT 1"))
    await asyncio.sleep(max(0.0, start_at - time.time()))
    started = time.time()
    running = asyncio.ensure_future(dispatcher.run_forever(asyncio.Event()))
    while True:
        await asyncio.sleep(0.05)
        async with database.transaction() as session:
            if not await session.scalar(text(UNSENT)):
                break
    ended = time.time()
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    await database.close()
    return {"started": started, "ended": ended, "sent": sender.sent}


def run(url: str, count: int, processes: int) -> dict[str, float]:
    asyncio.run(fill(url, count))
    start_at = time.time() + 3.0
    children = [subprocess.Popen([sys.executable, __file__, "--one", url, str(start_at)],
                                 stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    found = [json.loads(child.communicate()[0].strip().splitlines()[-1]) for child in children]
    sent = [i for f in found for i in f["sent"]]
    seconds = max(f["ended"] for f in found) - min(f["started"] for f in found)
    return {"sent": len(sent), "twice": len(sent) - len(set(sent)), "seconds": seconds,
            "rate": len(sent) / seconds,
            "shares": [len(f["sent"]) for f in found]}  # type: ignore[dict-item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL whose database may be wiped")
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--one", nargs=2, metavar=("URL", "START"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(drain(args.one[0], float(args.one[1])))))
        return
    print(f"{'database':<11}{'processes':>10}{'sent':>8}{'twice':>7}{'seconds':>9}"
          f"{'msg/s':>9}  shares")
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        runs.append(("sqlite", 1, run(f"sqlite+aiosqlite:///{folder}/d.db", args.count, 1)))
    if args.postgres:
        for processes in (1, 2):
            runs.append(("postgresql", processes, run(args.postgres, args.count, processes)))
    for name, processes, r in runs:
        print(f"{name:<11}{processes:>10}{int(r['sent']):>8}{int(r['twice']):>7}"
              f"{r['seconds']:>9.2f}{r['rate']:>9.0f}  {r['shares']}")


if __name__ == "__main__":
    main()
