"""Turns per second: the real path (bot.services.inbound.handle) against the naive ORM
turn (benchmarks/naive.py), side by side in one process on one database, interleaved
round by round, at several numbers of people writing at once.

Every person has joined (through the real path) and then browses the menu; the naive
people are the same champions under another channel, with the same conversation state.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from benchmarks.figures import Figure
from benchmarks.naive import NaiveTurns
from bot.app import App
from bot.services.inbound import handle
from bot.storage.models import Conversation, Identity
from flows.types import Inbound

JOIN = ("JOIN DEMO2026", "English", "yes", "Sam", "1", "skip")
STEPS = ("menu", "/impact", "menu", "/concerns", "menu", "/info", "1", "menu")
CHANNEL = "telegram"


def address(k: int) -> str:
    return str(700_000_000 + k)


@dataclass(frozen=True)
class Naive:
    address: str
    identity_id: int
    person_id: int


async def join(app: App, people: int) -> None:
    async def one(k: int) -> None:
        for n, said in enumerate(JOIN):
            await handle(app, Inbound(CHANNEL, address(k), f"join-{k}-{n}", app.clock(),
                                      text=said))
    await asyncio.gather(*(one(k) for k in range(people)))


async def naive_people(app: App, people: int) -> list[Naive]:
    """The same champions under the channel "naive", with a copy of their conversation."""
    now = app.clock()
    found: list[Naive] = []
    async with app.database.transaction() as session:
        for k in range(people):
            identity = await session.scalar(select(Identity).where(
                Identity.channel == CHANNEL, Identity.address == address(k)))
            assert identity is not None and identity.person_id is not None, "did not join"
            state = await session.scalar(select(Conversation.state).where(
                Conversation.identity_id == identity.id))
            copy = Identity(person_id=identity.person_id, channel="naive",
                            address=address(k), created_at=now)
            session.add(copy)
            await session.flush()
            session.add(Conversation(identity_id=copy.id, state=state or {}, updated_at=now))
            found.append(Naive(address(k), copy.id, identity.person_id))
    return found


async def _timed(people: int, turns: int, one: Callable[[int, int], Awaitable[None]]) -> float:
    async def person(k: int) -> None:
        for n in range(turns):
            await one(k, n)
    started = time.perf_counter()
    await asyncio.gather(*(person(k) for k in range(people)))
    return time.perf_counter() - started


async def measure(app: App, url: str, levels: Sequence[int], turns_per_level: int,
                  rounds: int) -> list[Figure]:
    await join(app, max(levels))
    naive = NaiveTurns(url)
    copies = await naive_people(app, max(levels))
    counter = iter(range(10**9))
    figures = []
    try:
        for people in levels:
            each = max(1, turns_per_level // (people * rounds))

            async def project(k: int, n: int) -> None:
                said = STEPS[n % len(STEPS)]
                await handle(app, Inbound(CHANNEL, address(k), f"t-{next(counter)}",
                                          datetime.now(UTC), text=said))

            async def baseline(k: int, n: int) -> None:
                said = STEPS[n % len(STEPS)]
                who = copies[k]
                await naive.turn("naive", who.address, who.identity_id, who.person_id,
                                 f"n-{next(counter)}", said, datetime.now(UTC))

            spent = {"project": 0.0, "naive": 0.0}
            for r in range(rounds):  # interleaved, alternating who goes first
                order = (("project", project), ("naive", baseline))
                for side, one in order if r % 2 == 0 else order[::-1]:
                    spent[side] += await _timed(people, each, one)
            done = people * each * rounds
            who = "1 person" if people == 1 else f"{people} people"
            figures.append(Figure(
                "turns", f"{who} at once", "turns/s", done / spent["project"],
                done / spent["naive"],
                note=f"{done} turns each side, {rounds} interleaved rounds"))
    finally:
        await naive.close()
    return figures
