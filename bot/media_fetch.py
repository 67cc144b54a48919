"""Fetching attachments as soon as their concern is saved, outside any turn.

Like the dispatcher, but inward: claim due attachments in a short transaction, fetch
each through its channel's API, check and store the file, record the outcome. A failed
fetch is tried again with backoff; one given up on is counted for coordinators. The
reply to the champion never waits for any of this.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from bot.channels.base import Fetch, TooLarge
from bot.services import attachments
from bot.services.media_checks import Kept, Refusal, check
from bot.services.media_store import MediaStore
from bot.storage.database import Database

log = logging.getLogger(__name__)

Outcome = Kept | Refusal | str  # a string is why the fetch failed


class MediaFetcher:
    def __init__(self, database: Database, fetchers: Mapping[str, Fetch], store: MediaStore,
                 clock: Callable[[], datetime], max_bytes: int, *, batch: int = 5) -> None:
        self.database = database
        self.fetchers = dict(fetchers)
        self.store = store
        self.clock = clock
        self.max_bytes = max_bytes
        self.batch = batch

    async def run_once(self) -> int:
        """Fetch one round of due attachments; how many were dealt with."""
        if not self.fetchers:
            return 0
        async with self.database.transaction() as session:
            due = await attachments.claim_due(session, self.clock(), list(self.fetchers),
                                              self.batch, self.database.is_postgres)
        for item in due:
            outcome = await self._fetch(item)
            await self._record(item, outcome)
        return len(due)

    async def drain(self) -> int:
        total = 0
        while count := await self.run_once():
            total += count
        return total

    async def run_forever(self, every: float = 2.0) -> None:
        while True:
            try:
                count = await self.run_once()
            except Exception:
                log.exception("fetching attachments failed; trying again shortly")
                count = 0
            if count == 0:
                await asyncio.sleep(every)

    async def _fetch(self, item: attachments.Due) -> Outcome:
        try:
            data = await self.fetchers[item.channel](item.ref, self.max_bytes)
        except TooLarge:
            return Refusal("too_large")
        except Exception as error:  # the platform, the network, or a bug: try again later
            log.warning("fetching attachment %s on %s failed: %s", item.id, item.channel,
                        type(error).__name__)
            return f"fetch failed: {type(error).__name__}"
        return await asyncio.to_thread(check, data, self.max_bytes)

    async def _record(self, item: attachments.Due, outcome: Outcome) -> None:
        now = self.clock()
        name = None
        if isinstance(outcome, Kept):
            name = await asyncio.to_thread(self.store.put, outcome.data)
        try:
            async with self.database.transaction() as session:
                if isinstance(outcome, Kept) and name is not None:
                    checksum = hashlib.sha256(outcome.data).hexdigest()
                    if not await attachments.stored(session, item.id, outcome, name, checksum,
                                                    now):
                        self.store.delete(name)  # erased while we fetched: keep nothing
                elif isinstance(outcome, Refusal):
                    log.info("attachment %s refused: %s", item.id, outcome.reason)
                    await attachments.refused(session, item.id, outcome.reason, now,
                                              self.max_bytes)
                else:
                    await attachments.failed(session, item.id, str(outcome), now)
        except BaseException:
            if name is not None:
                with contextlib.suppress(OSError):
                    self.store.delete(name)  # not recorded: the sweep would find it anyway
            raise
