"""Messages per second through bot.dispatch.Dispatcher to a sender that does nothing,
against a naive loop that selects, "sends" and updates one row per transaction.
On PostgreSQL also two dispatcher processes against one, checking nothing went twice.

    python -m benchmarks.dispatcher --worker URL IDS_FILE   (one process of the pair)
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from benchmarks import rows
from benchmarks.figures import Figure
from benchmarks.naive import engine
from bot.app import utc_now
from bot.channels.base import Delivered, Limits, Outgoing, SendResult
from bot.dispatch import Dispatcher
from bot.storage.database import Database
from bot.storage.models import OutboxMessage, OutboxStatus
from flows.types import Reply

CHANNEL = "console"


class Null:
    """A sender that costs nothing and remembers what it was given."""

    channel = CHANNEL
    limits = Limits(per_second=1_000_000_000)

    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send(self, message: Outgoing) -> SendResult:
        self.sent.append(message.id)
        return Delivered(f"n{message.id}")


async def project(url: str, count: int) -> float:
    database = Database(url)
    try:
        async with database.transaction() as session:
            await rows.outbox(session, CHANNEL, count, utc_now())
        dispatcher = Dispatcher(database, [Null()], utc_now)
        started = time.perf_counter()
        sent = await dispatcher.drain()
        seconds = time.perf_counter() - started
    finally:
        await database.close()
    assert sent == count, f"the dispatcher sent {sent} of {count}"
    return count / seconds


async def naive(url: str, count: int) -> float:
    made = engine(url)
    database = Database(url)  # only to write the rows
    try:
        async with database.transaction() as session:
            await rows.outbox(session, "naive", count, utc_now())
        await database.close()
        sessions = async_sessionmaker(made, expire_on_commit=False)
        null, sent = Null(), 0
        started = time.perf_counter()
        while True:
            async with sessions.begin() as session:
                row = await session.scalar(
                    select(OutboxMessage).where(OutboxMessage.channel == "naive",
                                                OutboxMessage.status == OutboxStatus.PENDING)
                    .order_by(OutboxMessage.id).limit(1))
                if row is None:
                    break
                await null.send(Outgoing(row.id, row.channel, row.address,
                                         Reply.from_dict(row.payload), row.kind,
                                         row.attempts, row.person_id))
                row.status = OutboxStatus.SENT
                row.attempts += 1
                row.sent_at = datetime.now(UTC)
                sent += 1
        seconds = time.perf_counter() - started
    finally:
        await made.dispose()
    assert sent == count
    return count / seconds


async def measure(url: str, count: int, naive_count: int) -> list[Figure]:
    rate = await project(url, count)
    slow = await naive(url, naive_count)
    return [Figure("dispatcher", "one process, null sender", "msg/s", rate, slow,
                   note=f"{count:,} messages; naive: select+update one row per "
                        f"transaction, {naive_count:,} messages")]


def _spawn(url: str, ids: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "benchmarks.dispatcher", "--worker", url,
                             str(ids)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)


def _processes(url: str, folder: Path, how_many: int, count: int, first: int
               ) -> tuple[float, list[int]]:
    async def fill() -> None:
        database = Database(url)
        async with database.transaction() as session:
            await rows.outbox(session, CHANNEL, count, utc_now(), first=first)
        await database.close()

    asyncio.run(fill())
    files = [folder / f"sent-{how_many}-{n}.json" for n in range(how_many)]
    workers = [_spawn(url, path) for path in files]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    spans = []
    for worker in workers:
        out, _ = worker.communicate(timeout=600)
        spans.append(json.loads(out.strip().splitlines()[-1]))
    seconds = max(s["ended"] for s in spans) - min(s["started"] for s in spans)
    sent = [i for path in files for i in json.loads(path.read_text())]
    return count / seconds, sent


async def _check_all_sent(url: str) -> int:
    database = Database(url)
    async with database.transaction() as session:
        left = await session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.channel == CHANNEL, OutboxMessage.status != OutboxStatus.SENT))
    await database.close()
    return int(left or 0)


def two_processes(url: str, folder: Path, count: int) -> list[Figure]:
    one, _ = _processes(url, folder, 1, count, first=0)
    two, sent = _processes(url, folder, 2, count, first=count)
    twice = len(sent) - len(set(sent))
    left = asyncio.run(_check_all_sent(url))
    assert twice == 0, f"{twice} messages were sent twice"
    return [Figure("dispatcher", "two processes vs one (PostgreSQL)", "msg/s", two, one,
                   note=f"{count:,} messages each; sent twice: {twice}; "
                        f"{len(set(sent)):,} distinct sent by the pair; not sent: {left}")]


async def _worker(url: str, ids: Path) -> None:
    database = Database(url)
    null = Null()
    dispatcher = Dispatcher(database, [null], utc_now)
    async with database.transaction() as session:  # connect before the clock starts
        await session.scalar(select(func.count(OutboxMessage.id)))
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    started = time.time()
    await dispatcher.drain()
    ended = time.time()
    await database.close()
    _write(ids, null.sent)
    print(json.dumps({"started": started, "ended": ended}), flush=True)


def _write(path: Path, ids: list[int]) -> None:
    path.write_text(json.dumps(ids))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        asyncio.run(_worker(sys.argv[2], Path(sys.argv[3])))
