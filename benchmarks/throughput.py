"""How fast messages go through champbot: inbound turns and outbox fan-out.

    .venv/bin/python benchmarks/throughput.py              # a temporary SQLite file
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python benchmarks/throughput.py

Prints rates; it asserts nothing. Run it before and after a change that touches the
inbound path, the engine or the dispatcher, on the same machine, and compare.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import App
from bot.channels.base import Delivered, Limits, Outgoing, SendResult
from bot.dispatch import Dispatcher
from bot.services import demo, outbox
from bot.services.inbound import handle
from bot.settings import load_settings
from bot.storage.database import Database
from flows.types import Inbound, Reply

PEOPLE = 50
TURNS = 10  # per person, after joining
FAN_OUT = 2000


class Null:
    channel = "console"
    limits = Limits(per_second=1_000_000)

    async def send(self, message: Outgoing) -> SendResult:
        return Delivered(f"n{message.id}")


async def say(app: App, who: str, text: str, n: int) -> None:
    await handle(app, Inbound("console", who, f"{who}-{n}", app.clock(), text=text))


async def main() -> None:
    url = os.environ.get("DATABASE_URL") or (
        f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db")
    database = Database(load_settings({"DATABASE_URL": url}, env_file=None).database_url)
    await database.upgrade()
    app = App(load_settings({"DATABASE_URL": url}, env_file=None), database)
    await demo.load(database, app.clock())
    joining = ["JOIN DEMO2026", "English", "yes", "Sam", "1", "skip"]
    turns = ["menu", "/impact", "/concerns", "menu", "/info", "1", "1", "menu", "2", "cancel"]

    async def person(k: int, script: list[str], offset: int) -> None:
        for n, text in enumerate(script):
            await say(app, f"p{k}", text, offset + n)

    started = time.perf_counter()
    await asyncio.gather(*(person(k, joining, 0) for k in range(PEOPLE)))
    joined = time.perf_counter() - started
    started = time.perf_counter()
    await asyncio.gather(*(person(k, turns[:TURNS], 100) for k in range(PEOPLE)))
    browsing = time.perf_counter() - started

    dispatcher = Dispatcher(database, [Null()], app.clock, batch=200)
    await dispatcher.drain()  # the replies of the turns above
    started = time.perf_counter()
    async with database.transaction() as session:
        for k in range(FAN_OUT):
            outbox.enqueue(session, channel="console", address=f"fan{k}",
                           reply=Reply("A new health message is ready: reply 1 to read it"),
                           now=app.clock(), kind="broadcast")
    written = time.perf_counter() - started
    started = time.perf_counter()
    sent = await dispatcher.drain()
    delivered = time.perf_counter() - started
    await database.close()

    backend = database.url.get_backend_name()
    print(f"database: {backend}")
    print(f"joining: {PEOPLE * len(joining) / joined:8.1f} turns/s "
          f"({PEOPLE} people at once, {len(joining)} turns each)")
    print(f"browsing: {PEOPLE * TURNS / browsing:8.1f} turns/s (menu, impact, concerns, library)")
    print(f"outbox write: {FAN_OUT / written:8.1f} rows/s in one transaction")
    print(f"dispatch: {sent / delivered:8.1f} messages/s with a sender that costs nothing")


if __name__ == "__main__":
    asyncio.run(main())
