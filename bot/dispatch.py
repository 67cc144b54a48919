"""Delivering the outbox: in order per person, within each channel's limits, with retries.

Rows are claimed in a short transaction (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several dispatchers can share the work), sent outside it, and
the result recorded in another. Only the oldest unfinished row for each
recipient is claimable, so one person's messages arrive in the order written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot import metrics
from bot.channels.base import (
    Delivered,
    Held,
    Outgoing,
    RetryLater,
    Sender,
    SendResult,
    Unreachable,
)
from bot.pacing import Pacer
from bot.services.outbox import MAX_ATTEMPTS, backoff
from bot.storage.database import Database
from bot.storage.models import Identity, OutboxMessage, OutboxStatus, Person, Status
from flows.types import Reply

log = logging.getLogger(__name__)

UNFINISHED = (OutboxStatus.PENDING, OutboxStatus.SENDING)
QUIET = (Status.PAUSED, Status.OPTED_OUT, Status.ERASED)


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


class Dispatcher:
    def __init__(
        self, database: Database, senders: Sequence[Sender],
        clock: Callable[[], datetime], *, batch: int = 100, max_attempts: int = MAX_ATTEMPTS,
        concurrency: int = 20,
    ) -> None:
        self.database = database
        self.senders = {sender.channel: sender for sender in senders}
        # A sender that makes several platform calls for one message (a long text in
        # parts, a keyboard to close first) paces each call itself, with its own pacer.
        self.pacers = {sender.channel: Pacer(sender.limits) for sender in senders
                       if getattr(sender, "pacer", None) is None}
        self.clock = clock
        self.batch = batch
        self.max_attempts = max_attempts
        self.slots = asyncio.Semaphore(concurrency)

    async def run_once(self, address: str | None = None) -> int:
        """Claim and send one round of due messages; the number of rows dealt with."""
        claimed, held = await self._claim(address)
        results = await asyncio.gather(*(self._deliver(message) for message in claimed))
        if results:
            await self._record(list(zip(claimed, results, strict=True)))
        return len(claimed) + held

    async def drain(self, address: str | None = None) -> int:
        """Send until nothing is due now (retries scheduled for later stay queued)."""
        total = 0
        while count := await self.run_once(address):
            total += count
        return total

    async def run_forever(self, ready: asyncio.Event, idle_seconds: float = 1.0) -> None:
        while True:
            ready.clear()
            current = asyncio.ensure_future(self.run_once())
            try:
                count = await asyncio.shield(current)
            except asyncio.CancelledError:
                # Stopping: let the round finish recording what it already sent, so no
                # message is left marked as sending (only a crash leaves that to the sweep).
                with contextlib.suppress(Exception):
                    await current
                raise
            except Exception:
                log.exception("dispatcher round failed; retrying shortly")
                count = 0
            if count == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ready.wait(), idle_seconds)

    async def _claim(self, address: str | None) -> tuple[list[Outgoing], int]:
        if not self.senders:
            return [], 0
        now = self.clock()
        earlier = aliased(OutboxMessage)
        blocked = exists().where(
            earlier.channel == OutboxMessage.channel,
            earlier.address == OutboxMessage.address,
            earlier.id < OutboxMessage.id,
            earlier.status.in_(UNFINISHED),
        )
        # Each row comes with its recipient's identity and status: no query per row.
        query = (
            select(OutboxMessage, Identity, Person.status)
            .outerjoin(Identity, (Identity.channel == OutboxMessage.channel)
                       & (Identity.address == OutboxMessage.address))
            .outerjoin(Person, Person.id == func.coalesce(OutboxMessage.person_id,
                                                          Identity.person_id))
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
                OutboxMessage.channel.in_(list(self.senders)),
                ~blocked,
            )
            .order_by(OutboxMessage.id)
            .limit(self.batch)
        )
        if address is not None:
            query = query.where(OutboxMessage.address == address)
        if self.database.is_postgres:
            query = query.with_for_update(skip_locked=True, of=OutboxMessage)
        claimed: list[Outgoing] = []
        held = 0
        async with self.database.transaction() as session:
            for row, identity, status in (await session.execute(query)).all():
                if self._held_back(row, identity, status):
                    held += 1
                    continue
                row.status = OutboxStatus.SENDING
                row.claimed_at = now
                row.attempts += 1
                values = row.payload.get("values") or {}
                claimed.append(Outgoing(
                    row.id, row.channel, row.address, Reply.from_dict(row.payload), row.kind,
                    row.attempts, row.person_id,
                    last_inbound_at=identity.last_inbound_at if identity else None,
                    values={str(k): str(v) for k, v in values.items()}, payload=row.payload))
        return claimed, held

    @staticmethod
    def _held_back(row: OutboxMessage, identity: Identity | None, status: Status | None) -> bool:
        """Never send to someone unreachable or opted out, or (except replies) to the paused."""
        reason = None
        if identity is not None and identity.unreachable_at is not None:
            reason = "recipient is unreachable"
        elif identity is not None and identity.opted_out_at is not None and not (
                row.kind == "reply" and row.created_at >= identity.opted_out_at):
            # Only replies still go: the confirmation, written in the same turn as the
            # opt-out, and answers to what the person wrote since (an emergency, START).
            reason = "recipient has opted out"
        if reason is None and row.kind != "reply" and status in QUIET:
            reason = f"recipient is {status.value if status else 'gone'}"
        if reason:
            row.status = OutboxStatus.DEAD
            row.error = reason
        return reason is not None

    async def _deliver(self, message: Outgoing) -> SendResult:
        sender = self.senders[message.channel]
        pacer = self.pacers.get(message.channel)
        async with self.slots, pacer.turn(message.address) if pacer else _unpaced():
            try:
                return await sender.send(message)
            except Exception as error:  # a bug or an unexpected library error
                log.exception("sending outbox %s on %s failed", message.id, message.channel)
                return RetryLater(f"unexpected error: {type(error).__name__}")

    async def _record(self, results: list[tuple[Outgoing, SendResult]]) -> None:
        """What became of one round of sends, in one transaction."""
        now = self.clock()
        async with self.database.transaction() as session:
            rows = {row.id: row for row in await session.scalars(select(OutboxMessage).where(
                OutboxMessage.id.in_([message.id for message, _ in results])))}
            for message, result in results:
                if message.id in rows:
                    await self._apply(session, rows[message.id], result, now)
                    metrics.send_result(message.channel, outcome(result, rows[message.id]))

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
