"""Reply latency over real HTTP: `champbot run` in its own process, WhatsApp pointed at a
local Twilio-like server and Telegram in webhook mode at a local Bot-API-like server
(benchmarks/channels.py). Half the people write on WhatsApp (signed webhooks), half on
Telegram (webhook updates); each waits until the reply reaches the local server before
writing again. The baseline is the HTTP floor: benchmarks/echo.py, a bare web app that
answers each webhook and posts one message back through the same servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from sqlalchemy import func, select, update
from twilio.request_validator import RequestValidator

from benchmarks import databases
from benchmarks.channels import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BOT_NUMBER,
    WEBHOOK_SECRET,
    Platforms,
    champbot_environ,
)
from benchmarks.figures import Figure
from bot.app import App
from bot.services.inbound import handle
from bot.storage.models import Identity, OutboxMessage, OutboxStatus, Person
from flows.types import Inbound
from tests.support.processes import Champbot
from tests.support.servers import bound_socket, serve

JOIN = ("JOIN DEMO2026", "English", "yes", "Sam", "1", "skip")
STEPS = ("menu", "/impact", "menu", "/concerns", "menu", "/info")
WAIT = 20.0  # seconds before a missing reply counts as lost
_ids = itertools.count(1)

RAISED_RATE = 1000  # messages a second, each channel (see measure())
# Reading an answer and tapping the next choice takes a person seconds: in the paced run
# each person pauses this long (seconds, uniformly at random) before writing again.
PAUSE = (1.0, 3.0)


@dataclass
class Someone:
    channel: str  # whatsapp or telegram
    address: str  # +44… or a chat id

    @property
    def key(self) -> str:
        return f"{self.channel}:{self.address}"


def people(count: int) -> list[Someone]:
    return [Someone("whatsapp", f"+4477009{k:05d}") if k % 2 == 0
            else Someone("telegram", str(800_000_000 + k)) for k in range(count)]


async def _say(app: App, who: Someone, said: str) -> int:
    """One turn in-process; how many messages it wrote to the outbox."""
    async with app.database.transaction() as session:
        before = await session.scalar(select(func.max(OutboxMessage.id))) or 0
    await handle(app, Inbound(who.channel, who.address, f"prep-{next(_ids)}",
                              datetime.now(UTC), text=said))
    async with app.database.transaction() as session:
        return int(await session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.id > before, OutboxMessage.address == who.address)) or 0)


async def prepare(app: App, everyone: list[Someone]) -> dict[str, tuple[int, ...]]:
    """Everyone joins through the real path; a probe per channel learns how many messages
    each step answers with. Then the outbox is emptied (as if all was sent)."""
    async def join(who: Someone) -> None:
        for said in JOIN:
            await _say(app, who, said)
    await asyncio.gather(*(join(w) for w in everyone))
    expected = {}
    for channel, probe in (("whatsapp", Someone("whatsapp", "+447700999999")),
                           ("telegram", Someone("telegram", "899999999"))):
        await join(probe)
        for _ in range(2):  # the second lap is the one kept: the same, but settled
            counts = tuple([await _say(app, probe, said) for said in STEPS])
        expected[channel] = counts
    async with app.database.transaction() as session:
        joined = await session.scalar(select(func.count(Person.id)).join(
            Identity, Identity.person_id == Person.id).where(Person.status == "active"))
        assert joined == len(everyone) + 2, f"only {joined} of {len(everyone) + 2} joined"
        await session.execute(update(OutboxMessage).values(status=OutboxStatus.SENT))
    return expected


class Webhooks:
    """The people's side: signed webhooks posted to ``public``. aiohttp, not httpx: the
    load generator shares the machine with what it measures, and httpx's pool costs
    several times the CPU per request at 50 connections."""

    def __init__(self, client: aiohttp.ClientSession, public: str) -> None:
        self.client, self.public = client, public
        self.validator = RequestValidator(AUTH_TOKEN)

    async def send(self, who: Someone, said: str) -> None:
        if who.channel == "whatsapp":
            sid = f"SM{next(_ids):032x}"
            fields = {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": ACCOUNT_SID,
                      "From": f"whatsapp:{who.address}", "To": f"whatsapp:{BOT_NUMBER}",
                      "Body": said, "NumMedia": "0", "ProfileName": "Sam",
                      "WaId": who.address.lstrip("+"), "MessageType": "text",
                      "ApiVersion": "2010-04-01"}
            signature = self.validator.compute_signature(self.public + "/twilio/whatsapp",
                                                         fields)
            response = await self.client.post(self.public + "/twilio/whatsapp", data=fields,
                                              headers={"X-Twilio-Signature": signature})
        else:
            chat = int(who.address)
            body = {"update_id": next(_ids), "message": {
                "message_id": next(_ids), "date": int(time.time()), "text": said,
                "chat": {"id": chat, "type": "private", "first_name": "Sam"},
                "from": {"id": chat, "is_bot": False, "first_name": "Sam",
                         "language_code": "en"}}}
            response = await self.client.post(
                self.public + "/telegram/webhook", json=body,
                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
        async with response:
            response.raise_for_status()
            await response.read()


@dataclass
class Run:
    latencies: list[float]
    seconds: float
    lost: int
    by_channel: dict[str, list[float]] = field(default_factory=dict)

    def paced_figures(self, other: Run, people: int, note: str) -> list[Figure]:
        """People who pause before writing again: the latency each of them sees."""
        how = f"{people} people pausing {PAUSE[0]:g}–{PAUSE[1]:g} s"
        return [
            Figure("latency", f"HTTP p{q}, {how}", "ms", _percentile(self, q),
                   _percentile(other, q), better="lower", note=note) for q in (50, 99)
        ] + [Figure("latency", f"HTTP turns/s, {how}", "turns/s",
                    len(self.latencies) / self.seconds, len(other.latencies) / other.seconds,
                    note=note)]

    def figures(self, other: Run, people: int, note: str) -> list[Figure]:
        pct = _percentile
        # Telegram paces each chat to a message a second and the bot to 30 a second, so
        # people who write again the instant they are answered wait for that pacing; the
        # per-channel figures show how much of the latency is ours.
        per_channel = [
            Figure("latency", f"HTTP p50, the {channel} people", "ms", pct(self, 50, channel),
                   pct(other, 50, channel), better="lower", note=note)
            for channel in ("whatsapp", "telegram")]
        return [
            *per_channel,
            Figure("latency", f"HTTP p50, {people} people at once", "ms", pct(self, 50),
                   pct(other, 50), better="lower", note=note),
            Figure("latency", f"HTTP p99, {people} people at once", "ms", pct(self, 99),
                   pct(other, 99), better="lower", note=note),
            Figure("latency", f"HTTP turns/s, {people} people at once", "turns/s",
                   len(self.latencies) / self.seconds, len(other.latencies) / other.seconds,
                   note=note),
        ]


def _percentile(run: Run, q: int, channel: str | None = None) -> float:
    found = run.latencies if channel is None else run.by_channel.get(channel, [])
    if len(found) < 2:  # nothing came back: as long as we waited
        return WAIT * 1000
    return statistics.quantiles(found, n=100, method="inclusive")[q - 1]


async def drive(platforms: Platforms, hooks: Webhooks, everyone: list[Someone], turns: int,
                expected: Callable[[Someone, int], int], paced: bool = False) -> Run:
    """Everyone writes ``turns`` times, each time waiting for the whole answer; at once
    (the moment it arrived), or ``paced`` (after a pause of PAUSE seconds, the first
    time too, so people do not all start together)."""
    latencies: list[float] = []
    lost = 0
    chance = random.Random(len(everyone))

    async def person(who: Someone) -> None:
        nonlocal lost
        for n in range(turns):
            if paced:
                await asyncio.sleep(chance.uniform(*PAUSE))
            target = platforms.arrivals.counts[who.key] + expected(who, n)
            started = time.perf_counter()
            try:
                await hooks.send(who, STEPS[n % len(STEPS)])
                arrived = await platforms.arrivals.until(who.key, target, WAIT)
            except (TimeoutError, aiohttp.ClientError):
                lost += 1
                continue
            latencies.append((arrived - started) * 1000)
            by_channel.setdefault(who.channel, []).append(latencies[-1])

    by_channel: dict[str, list[float]] = {}
    started = time.perf_counter()
    await asyncio.gather(*(person(w) for w in everyone))
    return Run(latencies, time.perf_counter() - started, lost, by_channel)


async def _until(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 60) -> None:
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > seconds:
            raise RuntimeError(f"not within {seconds:g}s: {what}")
        await asyncio.sleep(0.1)


async def _answers(client: aiohttp.ClientSession, url: str) -> bool:
    with contextlib.suppress(aiohttp.ClientError):
        async with client.get(url) as response:
            return response.status < 500
    return False


def _client(people: int) -> aiohttp.ClientSession:
    """One kept connection per person (and a few spare)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=people + 10),
                                 timeout=aiohttp.ClientTimeout(total=60))


async def measure(folder: Path, count: int, turns: int) -> tuple[list[Figure], str]:
    url = await databases.fresh(folder, "latency")
    app = await databases.open_app(url, datetime.now(UTC))
    everyone = people(count)
    try:
        expected = await prepare(app, everyone)
    finally:
        await app.database.close()
    platforms = Platforms()
    async with serve(platforms.app) as local:
        process = Champbot({
            **champbot_environ(url, local, folder),
            # 50 people answering the instant they are answered want more messages a
            # second than the accounts' caps (WhatsApp 80, Telegram 30): raised here, so
            # the figure is our latency, not the cap's queue. Telegram's second per chat
            # still holds.
            "WHATSAPP_MESSAGES_PER_SECOND": str(RAISED_RATE),
            "TELEGRAM_MESSAGES_PER_SECOND": str(RAISED_RATE)}, "all", folder)
        process.env["PUBLIC_BASE_URL"] = process.url
        process.start()
        try:
            async with _client(count) as client:
                await _until(lambda: _answers(client, process.url + "/readyz"),
                             "champbot answers")
                await asyncio.wait_for(platforms.webhook_set.wait(), 60)
                hooks = Webhooks(client, process.url)
                def steps(who: Someone, n: int) -> int:
                    return expected[who.channel][n % len(STEPS)]

                # One lap first, not counted: the process's first requests open the
                # connections and fill its caches, which a quick run would measure.
                await drive(platforms, hooks, everyone, 1, steps)
                mine = await drive(platforms, hooks, everyone, turns, steps)
                mine_paced = await drive(platforms, hooks, everyone, turns * 2, steps,
                                         paced=True)
        finally:
            await process.stop()
        floor, floor_paced = await _echo(platforms, local, everyone, turns)
    note = (f"{len(mine.latencies)} turns, {mine.lost} lost; baseline: bare HTTP echo "
            "app (no database) through the same local servers")
    paced_note = (f"{len(mine_paced.latencies)} turns, {mine_paced.lost} lost; "
                  "baseline: the echo app, paced the same way")
    log_errors = sum(1 for line in process.log.splitlines() if "ERROR" in line)
    return ([*mine.figures(floor, count, note),
             *mine_paced.paced_figures(floor_paced, count, paced_note)],
            f"champbot log: {log_errors} ERROR lines")


def _start_echo(platforms: str) -> tuple[int, subprocess.Popen[bytes]]:
    sock = bound_socket()  # only to find a free port
    port = sock.getsockname()[1]
    sock.close()
    return port, subprocess.Popen([sys.executable, "-m", "benchmarks.echo", str(port),
                                   platforms])


async def _echo(platforms: Platforms, local: str, everyone: list[Someone], turns: int
                ) -> tuple[Run, Run]:
    port, echo = _start_echo(local)
    try:
        async with _client(len(everyone)) as client:
            echo_url = f"http://127.0.0.1:{port}"
            await _until(lambda: _answers(client, echo_url + "/"), "the echo app answers")
            hooks = Webhooks(client, echo_url)
            await drive(platforms, hooks, everyone, 1, lambda who, n: 1)  # as above
            at_once = await drive(platforms, hooks, everyone, turns, lambda who, n: 1)
            paced = await drive(platforms, hooks, everyone, turns * 2, lambda who, n: 1,
                                paced=True)
            return at_once, paced
    finally:
        echo.terminate()
        echo.wait(10)
