"""Keeping calls to a platform within its rate limits, as the platform measures them.

A platform counts calls as they reach it, and a call may take a while to get
there. So a call holds its place in the one-second window from the moment it
starts until one second after it ends, and the gap before the next call to the
same address runs from the end of the previous one: however each call is
delayed on the way, no second seen by the platform holds more than the limit.

Where a platform allows a short burst to one address (Telegram: a reply of a picture
and its text), the gap is a budget: each address has a time from which its gap is
owed (``owed``), pushed one gap past the end of each call; a call may start while
that time is less than ``burst - 1`` gaps ahead. With a burst of 1 this is exactly
"a gap after each call". Bulk calls (broadcasts) never use the burst.

Bulk calls may use the whole rate, but they are spread over the second (at most a
tenth of a second's worth at once, then one every 1/rate seconds) rather than sent
in one burst, and a call that is not bulk (a reply) waiting for a place takes the
next one before any bulk call: a reply waits at most for the next place to come
free, a fraction of a second, however fast a broadcast is going.
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
BULK_BURST = 0.1  # seconds' worth of bulk calls that may start at once (at least one)


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
        self.owed: dict[str, float] = {}  # per address: until when its gaps are owed
        self.calling: set[str] = set()  # addresses with a call in flight
        self.replies_waiting = 0  # calls not bulk, ready but for a place in the window
        self.bulk_tokens = math.inf  # (filled to the bucket's room on first use)
        self.bulk_filled_at = -math.inf
        self.share(1.0)

    def share(self, fraction: float) -> None:
        """Pace to this fraction of the limits' rate (one of several processes sending)."""
        self.per_second = self.limits.per_second * fraction
        # Whole calls: several processes' windows together never hold more than the limit.
        self.window = max(1, math.floor(self.per_second + 1e-9))
        # Bulk calls draw on a bucket refilled at the rate, holding a tenth of a second's.
        self.bulk_room = max(1.0, self.per_second * BULK_BURST)
        self.bulk_tokens = min(self.bulk_tokens, self.bulk_room)

    @asynccontextmanager
    async def turn(self, address: str | None, bulk: bool = False) -> AsyncIterator[None]:
        """Wait for a place, make the call inside. ``None`` counts the call only towards
        the overall rate (an edit of a message already sent: no new message to anyone).
        A ``bulk`` call waits while a call that is not bulk waits for a place."""
        await self._place(address, bulk)
        try:
            yield
        finally:
            now = self.clock()
            self.in_flight -= 1
            self.recent.append(now)
            if address is not None:
                self.calling.discard(address)
                owed = self.owed.get(address, -math.inf)
                self.owed[address] = max(owed, now) + self.limits.per_address_interval
                if len(self.owed) > FORGET_AFTER:
                    self._forget_quiet_addresses(now)

    def _forget_quiet_addresses(self, now: float) -> None:
        """An address owing nothing is as good as one never seen."""
        self.owed = {a: t for a, t in self.owed.items() if t > now or a in self.calling}

    def _credit(self, bulk: bool) -> float:
        """How far ahead an address's owed time may be for a call to start now."""
        burst = 1 if bulk else max(1, self.limits.per_address_burst)
        return (burst - 1) * self.limits.per_address_interval

    def _bulk_wait(self, now: float) -> float:
        """Seconds until the bulk bucket holds a call (0: it does now)."""
        rate = self.per_second
        self.bulk_tokens = min(self.bulk_room,
                               self.bulk_tokens + (now - self.bulk_filled_at) * rate)
        self.bulk_filled_at = now
        return max(0.0, (1.0 - self.bulk_tokens) / rate)

    async def _place(self, address: str | None, bulk: bool = False) -> None:
        limit = self.window
        recent = self.recent
        counted = False  # whether this call is among the replies waiting for a place
        try:
            while True:
                now = self.clock()
                while recent and recent[0] <= now - 1.0:
                    recent.popleft()
                # What stands in the way, each as the seconds until it may be gone
                # (infinite: until a call in flight ends, looked at every POLL).
                next_free = recent[0] + 1.0 - now if recent else math.inf
                blocked = []
                if address is not None:
                    ready_at = (IN_FLIGHT if address in self.calling
                                else self.owed.get(address, -math.inf) - self._credit(bulk))
                    if ready_at > now:
                        blocked.append(ready_at - now)
                full = self.in_flight + len(recent) >= limit
                # A reply ready but for a place: broadcasts let it go first.
                waiting = full and not bulk and not blocked
                if waiting != counted:
                    self.replies_waiting += 1 if waiting else -1
                    counted = waiting
                if full:
                    blocked.append(next_free)
                if bulk:
                    if self.replies_waiting:
                        blocked.append(next_free)
                    if bucket := self._bulk_wait(now):
                        blocked.append(bucket)
                if not blocked:
                    self.in_flight += 1
                    if address is not None:
                        self.calling.add(address)
                    if bulk:
                        self.bulk_tokens -= 1.0
                    return
                wait = min(blocked)
                await self.sleep(POLL if math.isinf(wait) else max(wait, 0.001))
        finally:
            if counted:
                self.replies_waiting -= 1
