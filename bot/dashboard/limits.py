"""Slowing down whoever keeps trying bad sign-in links (per client address, in memory)."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=10)
MOST = 5


class BadLinkLimiter:
    def __init__(self, most: int = MOST, window: timedelta = WINDOW) -> None:
        self.most, self.window = most, window
        self.seen: dict[str, deque[datetime]] = {}

    def _recent(self, client: str, now: datetime) -> deque[datetime]:
        times = self.seen.setdefault(client, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        if not times:
            del self.seen[client]
            return deque()
        return times

    def blocked(self, client: str, now: datetime) -> bool:
        return len(self._recent(client, now)) >= self.most

    def failed(self, client: str, now: datetime) -> None:
        self._recent(client, now)
        self.seen.setdefault(client, deque()).append(now)
