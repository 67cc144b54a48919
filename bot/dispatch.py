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
import math
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update
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
from bot.claims import HEARTBEAT, OUTBOX, Claimed, Claimer, Lane, owner_name
from bot.outcomes import Reconciling
from bot.pacing import Pacer
from bot.services.outbox import MAX_ATTEMPTS, backoff
from bot.storage.database import Database
from bot.storage.models import Identity, OutboxMessage, OutboxStatus
from flows.types import Reply

log = logging.getLogger(__name__)

# Rounds a lane may have on their way at once: a reply need not wait for the rounds
# already sending, and a broadcast claims its next batch while one is being sent.
ROUNDS = {Lane.CONVERSATION: 8, Lane.BULK: 2}
CLAIM_SECONDS = 2.0
# A broadcast on a channel that keeps no record of what it accepted (Telegram) has only
# a second of sends claimed at a time: whatever is claimed when the process dies is
# reported unknown rather than sent twice, so as little as possible is claimed ahead.
# That second is two rounds of half a second, so the next is claimed while one sends.
UNRECORDED_CLAIM_SECONDS = 1.0
UNRECORDED_ROUNDS = 2
MIN_BATCH = 10
_mine = (OUTBOX.c.id == bindparam("row_id")) & (OUTBOX.c.claimed_by == bindparam("owner"))
SENT = update(OUTBOX).where(_mine).values(
    status=OutboxStatus.SENT, provider_message_id=bindparam("provider"), error=None)
FORGOTTEN = delete(OUTBOX).where(_mine)


def outcome(result: SendResult, dead: bool) -> str:
    """What a send came to, for /metrics: sent, held, retried, 429 or dead."""
    if isinstance(result, Delivered | Held):
        return "sent" if isinstance(result, Delivered) else "held"
    if dead:
        return "dead"
    return "429" if "429" in getattr(result, "reason", "") else "retried"


def bulk_claims(per_second: float, recorded: bool, batch: int) -> tuple[int, int]:
    """A channel's broadcast claims: how many rows each, and how many rounds at once."""
    if recorded:
        seconds, rounds = CLAIM_SECONDS, ROUNDS[Lane.BULK]
    else:
        seconds, rounds = UNRECORDED_CLAIM_SECONDS / UNRECORDED_ROUNDS, UNRECORDED_ROUNDS
    return min(batch, max(MIN_BATCH, math.ceil(per_second * seconds))), rounds


def to_outgoing(claimed: Claimed) -> Outgoing:
    values = claimed.payload.get("values") or {}
    return Outgoing(
        claimed.id, claimed.channel, claimed.address, Reply.from_dict(claimed.payload),
        claimed.kind, claimed.attempts, claimed.person_id,
        last_inbound_at=claimed.last_inbound_at if claimed.known else _answering(claimed),
        values={str(k): str(v) for k, v in values.items()}, payload=claimed.payload,
        uncertain_since=claimed.uncertain_since)


def _answering(claimed: Claimed) -> datetime | None:
    """The goodbye to someone just forgotten: their identity is gone with everything
    else, but it answers the message they sent when it was written (e.g. inside
    WhatsApp's 24 hours), so it goes at once rather than waiting for a next message."""
    return claimed.created_at if claimed.forget_after_send else None


class Dispatcher:
    def __init__(
        self, database: Database, senders: Sequence[Sender],
        clock: Callable[[], datetime], *, batch: int = 500, max_attempts: int = MAX_ATTEMPTS,
        concurrency: int = 20, owner: str | None = None,
    ) -> None:
        self.database = database
        self.senders = {sender.channel: sender for sender in senders}
        # A sender that makes several platform calls for one message (a long text in
        # parts, a keyboard to close first) paces each call itself, with its own pacer.
        self.pacers = {sender.channel: Pacer(sender.limits) for sender in senders
                       if getattr(sender, "pacer", None) is None}
        # Every pacer of this process, the senders' own included (see share).
        self._all_pacers = [*self.pacers.values(),
                            *(p for s in senders if isinstance(p := getattr(s, "pacer", None),
                                                               Pacer))]
        self.clock = clock
        self.max_attempts = max_attempts
        # A claim is at most what the channels can take in a few seconds: a large one
        # costs less per message, but a claimed row is on its way (a cancelled broadcast
        # still sends it) and no other dispatcher can take it.
        rate = sum(sender.limits.per_second for sender in senders)
        batch = min(batch, max(MIN_BATCH, math.ceil(rate * CLAIM_SECONDS)))
        self.claimer = Claimer(database, owner or owner_name(), batch)
        # Broadcasts are claimed per channel, each at its own pace (see above).
        self.bulk: dict[str, tuple[int, int]] = {}  # channel: (claim size, rounds at once)
        self.dispatchers = 1  # processes sharing the rates (see share)
        metrics.DISPATCHERS.set(1)
        self._fit_bulk_claims()
        # Each lane and channel has its own share of concurrent sends: broadcasts never
        # fill them all, and one channel's broadcast waiting for its pace never holds
        # back another's.
        self.slots = {(lane, channel): asyncio.Semaphore(concurrency)
                      for lane in Lane for channel in self.senders}
        self._beating = 0  # rounds now sending, which the heartbeat keeps leased
        self._beat: tuple[asyncio.Event, asyncio.Future[None]] | None = None

    def share(self, dispatchers: int) -> None:
        """Pace every channel to its share of the rate, as one of ``dispatchers``
        processes sending (bot.crew counts them), and claim broadcasts to match: each
        process claims only what it sends in the same time, so they finish together."""
        metrics.DISPATCHERS.set(dispatchers)
        if dispatchers == self.dispatchers:
            return
        self.dispatchers = dispatchers
        for pacer in self._all_pacers:
            pacer.share(1.0 / dispatchers)
        self._fit_bulk_claims()

    def _fit_bulk_claims(self) -> None:
        for sender in self.senders.values():
            self.bulk[sender.channel] = bulk_claims(
                sender.limits.per_second / self.dispatchers, isinstance(sender, Reconciling),
                self.claimer.batch)

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
        if claimed:
            await self._send(lane, claimed)
        return len(claimed) + held

    async def drain(self, address: str | None = None) -> int:
        """Send until nothing is due now (retries scheduled for later stay queued)."""
        total = 0
        while count := await self.run_once(address):
            total += count
        return total

    async def run_forever(self, ready: asyncio.Event, idle_seconds: float = 1.0) -> None:
        """Both lanes, each in its own loop, until cancelled."""
        bulk_ready = {channel: asyncio.Event() for channel in self.bulk}
        lanes = [asyncio.ensure_future(self._run_lane_forever(
            Lane.CONVERSATION, ready, idle_seconds, also=list(bulk_ready.values())))]
        lanes += [asyncio.ensure_future(self._run_lane_forever(
            Lane.BULK, bulk_ready[channel], idle_seconds, channel=channel))
            for channel in self.bulk]
        try:
            # (wait, not gather: each lane must be cancelled once, to finish its rounds.)
            done, _ = await asyncio.wait(lanes, return_when=asyncio.FIRST_EXCEPTION)
            for lane in done:
                lane.result()
        finally:
            for lane in lanes:
                lane.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)

    async def _run_lane_forever(self, lane: Lane, ready: asyncio.Event, idle_seconds: float,
                                also: Sequence[asyncio.Event] = (),
                                channel: str | None = None) -> None:
        """Claim, and send each claimed round in a task of its own, so the next claim does
        not wait for the round on its way: a reply written while a round is sending is
        claimed as soon as the turn that wrote it wakes us. A person's next message is
        claimed only once their previous one is settled (bot.claims), so order holds.
        ``channel`` narrows a loop to one channel's broadcasts, claimed as ``bulk`` says
        (default: every channel, the batch, the lane's rounds)."""
        channels = [channel] if channel else list(self.senders)
        sending: set[asyncio.Future[Any]] = set()
        try:
            while True:
                limit, at_once = (self.bulk[channel] if channel
                                  else (self.claimer.batch, ROUNDS[lane]))
                if len(sending) >= at_once:  # however we were woken: no more at once
                    await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                ready.clear()
                try:
                    claimed, held = await self.claimer.claim(
                        channels, lane, self.clock(), limit=limit)
                except Exception:
                    log.exception("dispatcher round (%s) failed; retrying shortly", lane.value)
                    claimed, held = [], 0
                if claimed:
                    round_ = asyncio.ensure_future(self._send(lane, claimed, ready.set))
                    sending.add(round_)
                    round_.add_done_callback(sending.discard)
                    round_.add_done_callback(_report_failure)
                more = len(claimed) >= limit or held > 0
                if more and len(sending) < at_once:
                    continue  # more is due now: claim it while this round is sending
                if not claimed and not held:
                    for event in also:
                        event.set()  # one wake-up serves both lanes
                # A finished round may unblock someone's next message, so it wakes us too.
                waker: asyncio.Future[Any] = asyncio.ensure_future(ready.wait())
                await asyncio.wait({waker, *sending}, timeout=idle_seconds,
                                   return_when=asyncio.FIRST_COMPLETED)
                waker.cancel()
        finally:
            # Stopping: let the rounds on their way finish recording what they sent, so
            # no message is left marked as sending (a crash leaves that to the lease).
            if sending:
                await asyncio.wait(sending)

    async def _send(self, lane: Lane, claimed: list[Claimed],
                    settled: Callable[[], None] = lambda: None) -> None:
        """Send a round. Results are recorded as they come, each time with every other
        result ready by then: one transaction for many under load, and nobody's next
        message waits for the slowest send of the round (a Telegram chat's second, say).
        ``settled`` is called after each record: what it unblocked can be claimed."""
        finished: asyncio.Queue[tuple[Claimed, SendResult]] = asyncio.Queue()

        async def deliver(row: Claimed) -> None:
            finished.put_nowait((row, await self._deliver(to_outgoing(row), lane)))

        async with self._heartbeat():
            deliveries = [asyncio.ensure_future(deliver(row)) for row in claimed]
            try:
                left = len(claimed)
                while left:
                    ready = [await finished.get()]
                    while not finished.empty():
                        ready.append(finished.get_nowait())
                    await self._record([row for row, _ in ready],
                                       [result for _, result in ready])
                    left -= len(ready)
                    settled()
            except BaseException:
                for delivery in deliveries:
                    delivery.cancel()
                raise

    @contextlib.asynccontextmanager
    async def _heartbeat(self) -> AsyncIterator[None]:
        """While any round is sending, this process renews the leases of what it holds."""
        if self._beating == 0:
            stop = asyncio.Event()
            self._beat = (stop, asyncio.ensure_future(self._renew_until(stop)))
        self._beating += 1
        try:
            yield
        finally:
            self._beating -= 1
            if self._beating == 0 and self._beat is not None:
                stop, task = self._beat
                self._beat = None
                stop.set()
                await task

    async def _renew_until(self, stop: asyncio.Event) -> None:
        # Stopped by the event, never cancelled in the middle of a database call.
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT)
                return
            try:
                await self.claimer.renew(self.clock())
            except Exception:
                log.exception("could not renew the outbox leases")

    async def _deliver(self, message: Outgoing, lane: Lane) -> SendResult:
        sender = self.senders[message.channel]
        pacer = self.pacers.get(message.channel)
        async with self.slots[lane, message.channel]:
            try:
                settled = await outcomes.settle(message, sender)
                if settled is not None:
                    return settled
                if pacer is None:
                    return await sender.send(message)
                async with pacer.turn(message.address, message.bulk):
                    return await sender.send(message)
            except Exception as error:  # a bug or an unexpected library error
                log.exception("sending outbox %s on %s failed", message.id, message.channel)
                return RetryLater(f"unexpected error: {type(error).__name__}")

    async def _record(self, claimed: list[Claimed], results: list[SendResult]) -> None:
        """What became of one round of sends, in one transaction. A row whose lease ran out
        while we were sending is another's now: only rows still ours are changed."""
        now = self.clock()
        sent = [{"row_id": c.id, "provider": r.provider_id}
                for c, r in zip(claimed, results, strict=True)
                if isinstance(r, Delivered) and not c.forget_after_send]
        forgotten = [{"row_id": c.id} for c, r in zip(claimed, results, strict=True)
                     if isinstance(r, Delivered) and c.forget_after_send]
        others = {c.id: (c, r) for c, r in zip(claimed, results, strict=True)
                  if not isinstance(r, Delivered)}
        async with self.database.transaction(short=True) as session:
            if sent:
                await session.execute(SENT.values(sent_at=now), [
                    {**row, "owner": self.owner} for row in sent])
            if forgotten:
                await session.execute(FORGOTTEN, [{**row, "owner": self.owner}
                                                  for row in forgotten])
            if others:
                rows = await session.scalars(select(OutboxMessage).where(
                    OutboxMessage.id.in_(list(others)),
                    OutboxMessage.claimed_by == self.owner))
                for row in rows:
                    message, failed = others[row.id]
                    await self._apply(session, row, failed, now)
                    metrics.send_result(message.channel,
                                        outcome(failed, row.status == OutboxStatus.DEAD))
        for message, result in zip(claimed, results, strict=True):
            if isinstance(result, Delivered):
                metrics.send_result(message.channel, "sent")
        if forgotten:  # the last trace of an erased person's address just went
            await self.database.checkpoint()

    async def _apply(self, session: AsyncSession, row: OutboxMessage, result: SendResult,
                     now: datetime) -> None:
        if isinstance(result, Held):
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


def _report_failure(round_: asyncio.Future[None]) -> None:
    if not round_.cancelled() and round_.exception() is not None:
        log.error("dispatcher round failed", exc_info=round_.exception())
