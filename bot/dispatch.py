"""Delivering the outbox: in order per person, within each channel's limits, with retries.

Rows are claimed with a lease (bot.claims: ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several dispatchers share the work; a dead process's claims
expire in seconds), sent outside that transaction, and the result recorded in
another. Conversation messages and broadcast traffic go in two lanes, each with
its own loop and its own share of concurrent sends, so a reply never waits behind
a broadcast. A message whose outcome is unknown is settled by bot.outcomes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics, outcomes
from bot.channels.base import (
    CheckLater,
    Delivered,
    Held,
    Outgoing,
    RetryLater,
    Sender,
    SendResult,
    Unknown,
    Unreachable,
)
from bot.claims import HEARTBEAT, Claimed, Claimer, Lane, owner_name
from bot.pacing import Pacer
from bot.services.outbox import MAX_ATTEMPTS, backoff
from bot.storage.database import Database
from bot.storage.models import Identity, OutboxMessage, OutboxStatus
from flows.types import Reply

log = logging.getLogger(__name__)



@contextlib.asynccontextmanager
async def _unpaced() -> AsyncIterator[None]:
    yield


def outcome(result: SendResult, row: OutboxMessage) -> str:
    """What a send came to, for /metrics: sent, held, retried, 429 or dead."""
    if isinstance(result, Delivered | Held):
        return "sent" if isinstance(result, Delivered) else "held"
    if row.status == OutboxStatus.DEAD:
        return "dead"
    return "429" if "429" in getattr(result, "reason", "") else "retried"


def to_outgoing(claimed: Claimed) -> Outgoing:
    row, identity = claimed.row, claimed.identity
    values = row.payload.get("values") or {}
    return Outgoing(
        row.id, row.channel, row.address, Reply.from_dict(row.payload), row.kind,
        row.attempts, row.person_id,
        last_inbound_at=identity.last_inbound_at if identity else _answering(row),
        values={str(k): str(v) for k, v in values.items()}, payload=row.payload,
        uncertain_since=claimed.uncertain_since)


def _answering(row: OutboxMessage) -> datetime | None:
    """The goodbye to someone just forgotten: their identity is gone with everything
    else, but it answers the message they sent when it was written (e.g. inside
    WhatsApp's 24 hours), so it goes at once rather than waiting for a next message."""
    return row.created_at if row.forget_after_send else None


class Dispatcher:
    def __init__(
        self, database: Database, senders: Sequence[Sender],
        clock: Callable[[], datetime], *, batch: int = 100, max_attempts: int = MAX_ATTEMPTS,
        concurrency: int = 20, owner: str | None = None,
    ) -> None:
        self.database = database
        self.senders = {sender.channel: sender for sender in senders}
        # A sender that makes several platform calls for one message (a long text in
        # parts, a keyboard to close first) paces each call itself, with its own pacer.
        self.pacers = {sender.channel: Pacer(sender.limits) for sender in senders
                       if getattr(sender, "pacer", None) is None}
        self.clock = clock
        self.max_attempts = max_attempts
        self.claimer = Claimer(database, owner or owner_name(), batch)
        # Each lane has its own share of concurrent sends: broadcasts never fill them all.
        self.slots = {Lane.CONVERSATION: asyncio.Semaphore(concurrency),
                      Lane.BULK: asyncio.Semaphore(concurrency)}

    @property
    def owner(self) -> str:
        return self.claimer.owner

    async def run_once(self, address: str | None = None) -> int:
        """Claim and send one round of due messages, conversation lane first; the number
        of rows dealt with."""
        count = 0
        for lane in (Lane.CONVERSATION, Lane.BULK):
            count += await self.run_lane(lane, address)
        return count

    async def run_lane(self, lane: Lane, address: str | None = None) -> int:
        claimed, held = await self.claimer.claim(list(self.senders), lane, self.clock(), address)
        messages = [to_outgoing(c) for c in claimed]
        if messages:
            async with self._heartbeat():
                results = await asyncio.gather(*(self._deliver(m, lane) for m in messages))
            await self._record(list(zip(messages, results, strict=True)))
        return len(messages) + held

    async def drain(self, address: str | None = None) -> int:
        """Send until nothing is due now (retries scheduled for later stay queued)."""
        total = 0
        while count := await self.run_once(address):
            total += count
        return total

    async def run_forever(self, ready: asyncio.Event, idle_seconds: float = 1.0) -> None:
        """Both lanes, each in its own loop, until cancelled."""
        bulk_ready = asyncio.Event()
        lanes = [asyncio.ensure_future(self._run_lane_forever(Lane.CONVERSATION, ready,
                                                              idle_seconds, also=bulk_ready)),
                 asyncio.ensure_future(self._run_lane_forever(Lane.BULK, bulk_ready,
                                                              idle_seconds))]
        try:
            # (wait, not gather: each lane must be cancelled once, to finish its round.)
            done, _ = await asyncio.wait(lanes, return_when=asyncio.FIRST_EXCEPTION)
            for lane in done:
                lane.result()
        finally:
            for lane in lanes:
                lane.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)

    async def _run_lane_forever(self, lane: Lane, ready: asyncio.Event, idle_seconds: float,
                                also: asyncio.Event | None = None) -> None:
        while True:
            ready.clear()
            current = asyncio.ensure_future(self.run_lane(lane))
            try:
                count = await asyncio.shield(current)
            except asyncio.CancelledError:
                # Stopping: let the round finish recording what it already sent, so no
                # message is left marked as sending (a crash leaves that to the lease).
                with contextlib.suppress(Exception):
                    await current
                raise
            except Exception:
                log.exception("dispatcher round (%s) failed; retrying shortly", lane.value)
                count = 0
            if count == 0:
                if also is not None:
                    also.set()  # one wake-up serves both lanes
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ready.wait(), idle_seconds)

    @contextlib.asynccontextmanager
    async def _heartbeat(self) -> AsyncIterator[None]:
        """While a round is sending, this process renews the leases of what it holds."""
        stop = asyncio.Event()

        async def beat() -> None:
            # Stopped by the event, never cancelled in the middle of a database call.
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), HEARTBEAT)
                    return
                try:
                    await self.claimer.renew(self.clock())
                except Exception:
                    log.exception("could not renew the outbox leases")

        task = asyncio.ensure_future(beat())
        try:
            yield
        finally:
            stop.set()
            await task

    async def _deliver(self, message: Outgoing, lane: Lane) -> SendResult:
        sender = self.senders[message.channel]
        pacer = self.pacers.get(message.channel)
        async with self.slots[lane]:
            try:
                settled = await outcomes.settle(message, sender)
                if settled is not None:
                    return settled
                async with (pacer.turn(message.address, message.bulk) if pacer
                            else _unpaced()):
                    return await sender.send(message)
            except Exception as error:  # a bug or an unexpected library error
                log.exception("sending outbox %s on %s failed", message.id, message.channel)
                return RetryLater(f"unexpected error: {type(error).__name__}")

    async def _record(self, results: list[tuple[Outgoing, SendResult]]) -> None:
        """What became of one round of sends, in one transaction."""
        now = self.clock()
        forgotten = False
        async with self.database.transaction() as session:
            rows = {row.id: row for row in await session.scalars(select(OutboxMessage).where(
                OutboxMessage.id.in_([message.id for message, _ in results])))}
            for message, result in results:
                # A row whose lease ran out while we were sending is another's now.
                if message.id in rows and rows[message.id].claimed_by == self.owner:
                    row = rows[message.id]
                    forgotten |= row.forget_after_send and isinstance(result, Delivered)
                    await self._apply(session, row, result, now)
                    metrics.send_result(message.channel, outcome(result, row))
        if forgotten:  # the last trace of an erased person's address just went
            await self.database.checkpoint()

    async def _apply(self, session: AsyncSession, row: OutboxMessage, result: SendResult,
                     now: datetime) -> None:
        if isinstance(result, Delivered):
            if row.forget_after_send:
                await session.execute(delete(OutboxMessage).where(OutboxMessage.id == row.id))
                return
            row.status = OutboxStatus.SENT
            row.sent_at = now
            row.provider_message_id = result.provider_id
            row.error = None
        elif isinstance(result, Held):
            row.status = OutboxStatus.HELD
            row.error = result.reason[:300]
            row.provider_message_id = result.provider_id
            log.info("outbox %s held: %s", row.id, row.error)
        elif isinstance(result, Unknown):
            row.status = OutboxStatus.UNKNOWN
            row.error = result.reason[:300]
        elif isinstance(result, CheckLater):
            # Still of unknown outcome: the lease runs out later and it is checked again.
            row.attempts -= 1  # a check is not an attempt to send
            row.lease_until = now + timedelta(seconds=result.after)
            row.claimed_by = None
            row.error = result.reason[:300]
        elif isinstance(result, RetryLater) and row.attempts < self.max_attempts:
            delay = (timedelta(seconds=result.after) if result.after is not None
                     else backoff(row.attempts))
            row.status = OutboxStatus.PENDING
            row.next_attempt_at = now + delay
            row.error = result.reason[:300]
            log.warning("outbox %s: retry in %s (%s)", row.id, delay, result.reason)
        else:
            row.status = OutboxStatus.DEAD
            row.error = getattr(result, "reason", "failed")[:300]
            log.warning("outbox %s dead-lettered: %s", row.id, row.error)
            if isinstance(result, Unreachable):
                identity = await session.scalar(select(Identity).where(
                    Identity.channel == row.channel, Identity.address == row.address))
                if identity is not None and identity.unreachable_at is None:
                    identity.unreachable_at = now
