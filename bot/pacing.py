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
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from bot.channels.base import Limits

IN_FLIGHT = math.inf
POLL = 0.01  # seconds between looks while every place is held by a call still in flight
FORGET_AFTER = 10_000  # addresses remembered before those past their gap are dropped
BULK_SHARE = 0.8  # of the overall rate bulk calls (broadcasts) may use: the rest is kept
# for conversation, so a reply never queues behind a broadcast at full speed


class Pacer:
    """At most ``per_second`` calls in any one-second window, and a gap per address.

    The window is the calls still in flight (a count) and the end times of those that
    ended within the last second (oldest first): a send costs no more than a few steps,
    however many calls the window holds."""

    def __init__(
        self, limits: Limits, clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self.clock = clock
        self.sleep = sleep
        self.in_flight = 0
        self.recent: deque[float] = deque()  # when each call of the last second ended
        self.ended: dict[str, float] = {}  # per address: when its last call ended

    @asynccontextmanager
    async def turn(self, address: str | None, bulk: bool = False) -> AsyncIterator[None]:
        """Wait for a place, make the call inside. ``None`` counts the call only towards
        the overall rate (an edit of a message already sent: no new message to anyone).
        A ``bulk`` call takes a place only while the window is below ``BULK_SHARE``."""
        await self._place(address, bulk)
        try:
            yield
        finally:
            now = self.clock()
            self.in_flight -= 1
            self.recent.append(now)
            if address is not None:
                self.ended[address] = now
                if len(self.ended) > FORGET_AFTER:
                    self._forget_quiet_addresses(now)

    def _forget_quiet_addresses(self, now: float) -> None:
        gap = self.limits.per_address_interval
        self.ended = {a: t for a, t in self.ended.items() if t > now - gap}

    async def _place(self, address: str | None, bulk: bool = False) -> None:
        limit = self.limits.per_second
        if bulk and limit > 1:
            limit = max(1, math.floor(limit * BULK_SHARE))
        recent = self.recent
        while True:
            now = self.clock()
            while recent and recent[0] <= now - 1.0:
                recent.popleft()
            ready_at = -math.inf
            if address is not None:
                ready_at = self.ended.get(address, -math.inf) + self.limits.per_address_interval
            full = self.in_flight + len(recent) >= limit
            if not full and ready_at <= now:
                self.in_flight += 1
                if address is not None:
                    self.ended[address] = IN_FLIGHT
                return
            waits = [ready_at - now] if ready_at > now else []
            if full:  # infinite while every place is held by a call still in flight
                waits.append(recent[0] + 1.0 - now if recent else math.inf)
            wait = min(waits)
            await self.sleep(POLL if math.isinf(wait) else max(wait, 0.001))
