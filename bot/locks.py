"""One person's messages are handled one after another, never at the same time.

Inside one process an asyncio lock per chat does it; with PostgreSQL a
transaction-scoped advisory lock extends that across processes.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def lock_key(channel: str, address: str) -> int:
    digest = hashlib.blake2b(f"{channel}:{address}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PersonLocks:
    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._users: dict[tuple[str, str], int] = {}

    @asynccontextmanager
    async def hold(self, channel: str, address: str) -> AsyncIterator[None]:
        key = (channel, address)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    @staticmethod
    async def hold_in_database(session: AsyncSession, channel: str, address: str) -> None:
        """Across processes (PostgreSQL only): released when the transaction ends."""
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(_LOCK, {"key": lock_key(channel, address)})
