"""The pacer: calls within a platform's rate, overall and per person, and replies first."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Coroutine
from typing import Any

from bot.channels.base import Limits
from bot.pacing import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_the_pacer_never_exceeds_the_rate_overall_or_per_person() -> None:
    time = FakeTime()
    pacer = Pacer(Limits(per_second=30, per_address_interval=1.0), clock=time, sleep=time.sleep)
    stamps: list[tuple[float, str]] = []
    for n in range(200):
        address = f"chat{n % 50}"
        async with pacer.turn(address):
            stamps.append((time.now, address))
    for start, _ in stamps:
        in_window = [s for s, _ in stamps if start <= s < start + 1.0]
        assert len(in_window) <= 30
    by_address: dict[str, list[float]] = {}
    for stamp, address in stamps:
        by_address.setdefault(address, []).append(stamp)
    for times in by_address.values():
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))


def telegram_pacer(time: FakeTime) -> Pacer:
    """Telegram's limits: 30 a second, a second per chat after a burst of three."""
    return Pacer(Limits(per_second=30, per_address_interval=1.0, per_address_burst=3),
                 clock=time, sleep=time.sleep)


async def test_a_reply_of_three_messages_goes_at_once_then_a_chat_gets_one_a_second() -> None:
    time = FakeTime()
    pacer = telegram_pacer(time)
    stamps = []
    for _ in range(6):
        async with pacer.turn("amina"):
            stamps.append(time.now)
    assert stamps[:3] == [0.0, 0.0, 0.0]  # a picture, its text and the next question
    assert [round(b - a, 6) for a, b in itertools.pairwise(stamps[2:])] == [1.0, 1.0, 1.0]
    time.now += 10.0  # quiet for a while: the burst is there again
    again = []
    for _ in range(3):
        async with pacer.turn("amina"):
            again.append(time.now)
    assert again == [10.0 + stamps[-1]] * 3


async def test_a_broadcast_never_bursts_to_a_chat() -> None:
    time = FakeTime()
    pacer = telegram_pacer(time)
    stamps = []
    for _ in range(3):
        async with pacer.turn("amina", bulk=True):
            stamps.append(time.now)
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(stamps))


async def test_an_edit_counts_towards_the_overall_rate_but_not_the_gap_per_person() -> None:
    time = FakeTime()
    pacer = Pacer(Limits(per_second=3, per_address_interval=1.0), clock=time, sleep=time.sleep)
    for address in ("a", None, None):  # None: closing the keyboard of a's last question
        async with pacer.turn(address):
            pass
    assert time.now == 0.0  # no gap needed for an edit
    async with pacer.turn(None):  # a fourth call in the same second waits for the window
        assert time.now >= 1.0


class VirtualTime:
    """A clock for tasks running at once: it moves only when every task is asleep, to
    the earliest wake-up, and wakes sleepers one at a time in the order they slept."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self.order = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self.sleepers, (self.now + seconds, next(self.order), woken))
        await woken

    async def run(self, *coroutines: Coroutine[Any, Any, None]) -> None:
        tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
        while True:
            for _ in range(5):  # every task runs until it sleeps or ends
                await asyncio.sleep(0)
            if all(task.done() for task in tasks):
                break
            at, _, woken = heapq.heappop(self.sleepers)
            self.now = max(self.now, at)
            woken.set_result(None)
        for task in tasks:
            task.result()


def busiest_second(stamps: list[float]) -> int:
    stamps = sorted(stamps)
    return max(sum(1 for s in stamps if start <= s < start + 1.0) for start in stamps)


async def test_a_broadcast_alone_uses_the_whole_rate_spread_over_each_second() -> None:
    time = FakeTime()
    pacer = Pacer(Limits(per_second=30), clock=time, sleep=time.sleep)
    stamps = []
    for n in range(90):
        async with pacer.turn(f"p{n}", bulk=True):
            stamps.append(time.now)
    assert busiest_second(stamps) == 30  # the whole rate, never more
    assert stamps.count(0.0) == 3  # a tenth of a second's worth at once, not thirty
    assert len([s for s in stamps if s < 1.0]) == 30  # the rest spread over the second
    assert stamps[-1] < 3.0  # three seconds' worth in three seconds


async def test_a_reply_during_a_broadcast_goes_at_once() -> None:
    time = VirtualTime()
    pacer = Pacer(Limits(per_second=10), clock=time, sleep=time.sleep)
    broadcast: list[float] = []
    reply: list[float] = []

    async def send(to: str) -> None:
        async with pacer.turn(to, bulk=True):
            broadcast.append(time.now)

    async def answer_amina() -> None:
        await time.sleep(0.25)  # she writes a quarter of a second into the broadcast
        async with pacer.turn("amina"):
            reply.append(time.now)

    await time.run(*(send(f"p{n}") for n in range(30)), answer_amina())
    assert reply == [0.25]
    assert busiest_second(broadcast + reply) == 10
    assert broadcast[-1] < 3.05  # the broadcast lost only the place the reply took


async def test_a_reply_takes_the_next_place_before_a_broadcast_call_that_waited_longer() -> None:
    time = VirtualTime()
    pacer = Pacer(Limits(per_second=3), clock=time, sleep=time.sleep)
    order: list[tuple[str, float]] = []

    async def call(to: str, bulk: bool, after: float) -> None:
        await time.sleep(after)
        async with pacer.turn(to, bulk=bulk):
            order.append((to, time.now))

    # Three broadcast calls fill the second; a fourth waits from 0.7, the reply from 0.8.
    await time.run(*(call(f"p{n}", True, 0.0) for n in range(3)),
                   call("p3", True, 0.7), call("amina", False, 0.8))
    assert [to for to, _ in order[3:]] == ["amina", "p3"]
    assert dict(order)["amina"] == 1.0  # the first place to come free
