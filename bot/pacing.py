"""Keeping calls to a platform within its rate limits, as the platform measures them.

A platform counts calls as they reach it, and a call may take a while to get
there. So a call holds its place in the one-second window from the moment it
starts until one second after it ends, and the gap before the next call to the
same address runs from the end of the previous one: however each call is
delayed on the way, no second seen by the platform holds more than the limit.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from bot.channels.base import Limits

IN_FLIGHT = math.inf
POLL = 0.01  # seconds between looks while every place is held by a call still in flight
FORGET_AFTER = 10_000  # addresses remembered before those past their gap are dropped
BULK_SHARE = 0.8  # of the overall rate bulk calls (broadcasts) may use: the rest is kept
# for conversation, so a reply never queues behind a broadcast at full speed


class Pacer:
    """At most ``per_second`` calls in any one-second window, and a gap per address."""

    def __init__(
        self, limits: Limits, clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self.clock = clock
        self.sleep = sleep
        self.window: list[list[float]] = []  # per call: when it ended (IN_FLIGHT until then)
        self.ended: dict[str, float] = {}  # per address: when its last call ended

    @asynccontextmanager
    async def turn(self, address: str | None, bulk: bool = False) -> AsyncIterator[None]:
        """Wait for a place, make the call inside. ``None`` counts the call only towards
        the overall rate (an edit of a message already sent: no new message to anyone).
        A ``bulk`` call takes a place only while the window is below ``BULK_SHARE``."""
        place = await self._place(address, bulk)
        try:
            yield
        finally:
            place[0] = self.clock()
            if address is not None:
                self.ended[address] = place[0]
                if len(self.ended) > FORGET_AFTER:
                    self._forget_quiet_addresses(place[0])

    def _forget_quiet_addresses(self, now: float) -> None:
        gap = self.limits.per_address_interval
        self.ended = {a: t for a, t in self.ended.items() if t > now - gap}

    async def _place(self, address: str | None, bulk: bool = False) -> list[float]:
        limit = self.limits.per_second
        if bulk and limit > 1:
            limit = max(1, math.floor(limit * BULK_SHARE))
        while True:
            now = self.clock()
            self.window = [p for p in self.window if p[0] > now - 1.0]
            ready_at = -math.inf
            if address is not None:
                ready_at = self.ended.get(address, -math.inf) + self.limits.per_address_interval
            if len(self.window) < limit and ready_at <= now:
                place = [IN_FLIGHT]
                self.window.append(place)
                if address is not None:
                    self.ended[address] = IN_FLIGHT
                return place
            waits = [ready_at - now] if ready_at > now else []
            if len(self.window) >= limit:
                waits.append(min(p[0] for p in self.window) + 1.0 - now)
            wait = min(waits)  # infinite while waiting on a call still in flight
            await self.sleep(POLL if math.isinf(wait) else max(wait, 0.001))
