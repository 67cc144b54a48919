"""Several dispatcher processes on one PostgreSQL database share each platform's rate,
and a process that only writes to the outbox wakes them (bot.crew)."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from bot import crew
from bot.app import App
from bot.channels.base import Limits
from bot.crew import Crew
from bot.dispatch import Dispatcher
from bot.pacing import Pacer
from bot.storage.database import Database
from tests.support.clock import FakeClock
from tests.support.processes import within


@pytest.fixture
def postgres(app: App) -> None:
    if not app.database.is_postgres:
        pytest.skip("SQLite serves one process: there is no one to share with")


class Heard:
    """What one dispatcher was told: how many dispatchers there are, and wake-ups."""

    def __init__(self) -> None:
        self.counts: list[int] = []
        self.woken = asyncio.Event()

    def counted(self, dispatchers: int) -> None:
        self.counts.append(dispatchers)

    async def now(self, dispatchers: int) -> bool:
        return bool(self.counts) and self.counts[-1] == dispatchers


@contextlib.asynccontextmanager
async def dispatching(database: Database, heard: Heard, count_every: float = 60.0
                      ) -> AsyncIterator[Crew]:
    """A dispatcher's crew membership. Counting "by the clock" only once a minute:
    anything sooner than that was said to it (NOTIFY)."""
    member = Crew(database, heard.counted, heard.woken, count_every=count_every)
    running = asyncio.create_task(member.run())
    try:
        yield member
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


@pytest.mark.usefixtures("postgres")
async def test_two_dispatchers_each_take_half_and_one_takes_all_when_the_other_stops(
    app: App,
) -> None:
    first, second = Heard(), Heard()
    async with dispatching(app.database, first):
        await within(5, lambda: first.now(1), "the first dispatcher to count itself")
        async with dispatching(app.database, second):
            await within(5, lambda: second.now(2), "the second to count both")
            await within(5, lambda: first.now(2), "the first to hear the second join")
        await within(5, lambda: first.now(1), "the first to hear the second leave")


@pytest.mark.usefixtures("postgres")
async def test_a_dispatcher_killed_outright_stops_counting_at_once(app: App) -> None:
    first, second = Heard(), Heard()
    async with (dispatching(app.database, first, count_every=0.5),
                dispatching(app.database, second) as doomed):
        await within(5, lambda: first.now(2), "both counted")
        assert doomed.connection is not None
        pid = await doomed.connection.scalar(text("SELECT pg_backend_pid()"))
        async with app.database.engine.connect() as other:  # as if by kill -9
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await within(5, lambda: first.now(1), "the survivor to take the whole rate")


@pytest.mark.usefixtures("postgres")
async def test_a_web_process_writing_to_the_outbox_wakes_the_dispatchers(app: App) -> None:
    heard = Heard()
    written = asyncio.Event()
    async with dispatching(app.database, heard):
        await within(5, lambda: heard.now(1), "the dispatcher to join")
        announcing = asyncio.create_task(crew.announce(app.database, written))
        try:
            written.set()  # a turn in the web process wrote a reply

            async def woken() -> bool:
                return heard.woken.is_set()

            await within(5, woken, "the dispatcher to be woken")
            assert not written.is_set()  # one wake-up said for however many writes
        finally:
            announcing.cancel()
            await asyncio.gather(announcing, return_exceptions=True)


class OwnPacer:
    """A sender pacing its own calls (as Telegram's does)."""

    channel = "telegram"
    limits = Limits(per_second=30)

    def __init__(self) -> None:
        self.pacer = Pacer(self.limits)


class Paced:
    channel = "whatsapp"
    limits = Limits(per_second=80)


def test_a_dispatcher_paces_every_channel_to_its_share(app: App, clock: FakeClock) -> None:
    telegram = OwnPacer()
    dispatcher = Dispatcher(app.database, [telegram, Paced()], clock)  # type: ignore[list-item]
    alone = dispatcher.bulk["whatsapp"][0]
    dispatcher.share(3)
    assert telegram.pacer.window == 10
    assert dispatcher.pacers["whatsapp"].window == 26  # three of them: 78, never 81
    # Each claims a third as much of a broadcast: all three finish it together.
    assert dispatcher.bulk["whatsapp"][0] == math.ceil(alone / 3)
    assert REGISTRY.get_sample_value("champbot_dispatchers") == 3  # on /metrics
    dispatcher.share(1)
    assert (telegram.pacer.window, dispatcher.pacers["whatsapp"].window) == (30, 80)
    assert dispatcher.bulk["whatsapp"][0] == alone
    assert REGISTRY.get_sample_value("champbot_dispatchers") == 1
