"""Must show (issue 13): two web and two dispatcher processes on PostgreSQL serve 200 people
with nothing lost, repeated or out of order, across a SIGKILL of each.

The test plays Twilio and the https proxy in front of the web processes: each message
goes to the next web process in turn, and to the other one when a process does not
answer (a proxy's retry; the inbound dedupe on MessageSid makes a second delivery
harmless). Replies are read where the people would see them: at the local Twilio
server. ``MANY_PEOPLE`` sets how many people talk: 40 in the suite (to keep CI short),
200 for the must-show.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import App, utc_now
from bot.services import demo
from bot.storage.models import InboundMessage, OutboxMessage, OutboxStatus
from tests.conftest import POSTGRES_URL
from tests.support.processes import Champbot, within
from tests.support.processes import processes as running_processes
from tests.support.twilio_server import FakeTwilio
from tests.support.whatsapp import ACCOUNT_SID, BOT_NUMBER, new_sid, signature

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="several processes need PostgreSQL: set TEST_DATABASE_URL")

PEOPLE = int(os.environ.get("MANY_PEOPLE", "40"))  # the must-show: MANY_PEOPLE=200
IN_FLIGHT = 40
WAIT = 120.0  # seconds one person waits for an answer (generous: CI machines are busy)

# What each person says, and what the last message of the bot's answer asks.
JOINING = [
    ("JOIN DEMO2026", "Which language would you like to use?"),
    ("ENGLISH", "Do you agree?"),  # the number before "English" in the list
    ("1", "What would you like us to call you?"),
    ("NAME", "Which area do you mostly work in?"),
]


class Proxy:
    """Twilio posting through an https proxy to whichever web process answers."""

    def __init__(self, webs: list[Champbot]) -> None:
        self.webs = webs
        self.turn = itertools.count()
        self.client = httpx.AsyncClient(timeout=60)
        # At most this many requests in flight, as Telegram's webhook max_connections (40 by
        # default) or a proxy's upstream limit: beyond a web process's database pool (15
        # connections) a flood would only wait for one, and time out.
        self.in_flight = asyncio.Semaphore(IN_FLIGHT)

    async def post(self, number: str, text: str) -> None:
        fields = {"MessageSid": new_sid(), "AccountSid": ACCOUNT_SID,
                  "From": f"whatsapp:{number}", "To": f"whatsapp:{BOT_NUMBER}",
                  "Body": text, "NumMedia": "0", "ProfileName": "Champion",
                  "WaId": number.lstrip("+")}
        headers = {"X-Twilio-Signature": signature("/twilio/whatsapp", fields)}
        for attempt in range(int(WAIT * 5)):
            web = self.webs[next(self.turn) % len(self.webs)]
            try:
                async with self.in_flight:
                    response = await self.client.post(f"{web.url}/twilio/whatsapp",
                                                      data=fields, headers=headers)
                if response.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2 if attempt else 0)
        raise AssertionError("no web process took the message")


class Phones:
    """What reached the local Twilio server, by number, read as it arrives."""

    def __init__(self, twilio: FakeTwilio) -> None:
        self.twilio = twilio
        self.by_number: dict[str, list[str]] = {}
        self.read = 0
        self.changed = asyncio.Condition()

    async def follow(self) -> None:
        while True:
            new = self.twilio.accepted[self.read:]
            if new:
                self.read += len(new)
                for message in new:
                    self.by_number.setdefault(message.to, []).append(message.shown)
                async with self.changed:
                    self.changed.notify_all()
            await asyncio.sleep(0.02)

    async def answer(self, number: str, seen: int, asks: str) -> list[str]:
        def answered() -> bool:
            got = self.by_number.get(number, [])[seen:]
            return bool(got) and asks in got[-1]

        async with self.changed:
            try:
                await asyncio.wait_for(self.changed.wait_for(answered), WAIT)
            except TimeoutError:
                raise AssertionError(
                    f"person {number[-4:]} was not asked {asks!r} within {WAIT:g}s; they saw "
                    f"{self.by_number.get(number, [])[seen:]}") from None
        return self.by_number[number][seen:]


@pytest.fixture
async def processes(environ: dict[str, str],
                    tmp_path: Path) -> AsyncIterator[Callable[[str], Champbot]]:
    async with running_processes(environ, tmp_path) as start:
        yield start


async def busy(app: App) -> int:
    async with app.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))) or 0)


async def test_two_web_and_two_dispatchers_serve_everyone_across_a_sigkill_of_each(
        app: App, twilio: FakeTwilio, processes: Callable[[str], Champbot]) -> None:
    await demo.load(app.database, utc_now())  # invite codes valid by the processes' clock
    webs = [processes("web"), processes("web")]
    dispatchers = [processes("dispatcher"), processes("dispatcher")]
    await asyncio.gather(*(p.serving() for p in [*webs, *dispatchers]))

    proxy, phones = Proxy(webs), Phones(twilio)
    follower = asyncio.create_task(phones.follow())
    numbers = [f"+4477009{n:05d}" for n in range(PEOPLE)]
    turns_done = 0

    async def converse(number: str) -> None:
        nonlocal turns_done
        seen = 0
        for says, asks in JOINING:
            if says == "ENGLISH":
                languages = phones.by_number[number][-1].splitlines()
                says = next(line.split(".")[0].strip() for line in languages
                            if line.endswith("English"))
            elif says == "NAME":
                says = f"Champion {number[-3:]}"
            await proxy.post(number, says)
            seen += len(await phones.answer(number, seen, asks))
            turns_done += 1

    async def kill(which: int, after: int) -> None:
        async def far_enough() -> bool:
            return turns_done >= PEOPLE * len(JOINING) * after // 100

        await within(120, far_enough, f"{after}% of the turns")
        # Hold replies at Twilio's door so the dispatcher dies in the middle of sending:
        # what it was sending arrives, and its outcome is unknown to the one that is left.
        twilio.gate, waiting = asyncio.Event(), twilio.waiting

        async def sending() -> bool:
            return twilio.waiting > waiting

        await within(60, sending, "a reply on its way to Twilio")
        for process in (webs[which], dispatchers[which]):
            assert process.process is not None
            process.process.send_signal(signal.SIGKILL)
        # Opened at once: a request held past the sender's timeout (20 s) would be retried
        # blindly (a timeout is not yet treated as an unknown outcome).
        twilio.gate.set()
        twilio.gate = None
        for process in (webs[which], dispatchers[which]):
            await process.stop(signal.SIGKILL)

    async def kill_each() -> None:
        await kill(0, 20)
        await asyncio.sleep(0.5)  # traffic goes on with one of each, then they come back
        for process in (webs[0], dispatchers[0]):
            process.start()
        # Not waiting for them: if they are still starting, the second kill leaves no web
        # process for a while, and the proxy keeps trying, as a real one would.
        await kill(1, 60)
        await asyncio.gather(webs[0].serving(), dispatchers[0].serving())

    try:
        await asyncio.gather(*(converse(number) for number in numbers),
                             kill_each())

        async def settled() -> bool:
            return await busy(app) == 0

        await within(60, settled, "the outbox to be idle")
        await asyncio.sleep(1)  # anything sent twice would arrive now
    finally:
        follower.cancel()
        await proxy.client.aclose()

    # Every person saw the same conversation, each question once and in order.
    transcripts = {number: [text.replace(number[-3:], "NNN") for text in
                            phones.by_number.get(number, [])] for number in numbers}
    expected = transcripts[numbers[0]]
    asked = [next(i for i, text in enumerate(expected) if asks in text) for _, asks in JOINING]
    assert asked == sorted(asked) and len(expected) == asked[-1] + 1
    different = [n[-4:] for n, transcript in transcripts.items() if transcript != expected]
    assert not different, f"{len(different)} people saw something else, e.g. " \
        f"{transcripts[next(n for n in numbers if n[-4:] == different[0])]}"
    assert len(twilio.accepted) == PEOPLE * len(expected)  # nothing else, nothing twice

    # Every message kept once, whichever process took it (and however often it was posted).
    async with app.database.transaction() as session:
        inbound = int(await session.scalar(
            select(func.count()).select_from(InboundMessage)) or 0)
    assert inbound == PEOPLE * len(JOINING)
    # What an operator's monitoring sees: every process ready, the sends and an empty queue.
    running = [process for process in [*webs, *dispatchers] if process.process is not None]
    assert len(running) == 2  # the first pair, restarted; the second pair was killed last
    async with httpx.AsyncClient(timeout=30) as client:
        for process in running:
            assert (await client.get(f"{process.url}/readyz")).status_code == 200
    sent = [await process.metric("champbot_sends_total", channel="whatsapp", result="sent")
            for process in dispatchers]
    assert sum(value or 0 for value in sent) > 0  # the restarted one counts from its start
    assert await webs[0].metric("champbot_outbox_rows", status="sent",
                                channel="whatsapp") == len(twilio.accepted)
    assert await webs[0].metric("champbot_outbox_oldest_pending_seconds") == 0

    for process in [*webs, *dispatchers]:
        await process.stop()
        log = process.log_file.read_text()  # of each life, killed or not
        assert "Traceback" not in log
        for private in ("DEMO2026", numbers[0][1:], numbers[-1][1:], f"Champion {PEOPLE - 1:03d}"):
            assert private not in log
