"""Twilio's status callbacks against our outbox rows, and which question a sent message asked.

Statuses only move forward (sent → delivered → read); a failure is recorded
with its code, unless the message was already delivered or read (then it is only
logged: it is never held or sent again). Coordinators hear about failures as counts
(failures.report).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.whatsapp import CHANNEL, errors
from bot.services.outbox import MAX_ATTEMPTS, backoff
from bot.storage.database import Database
from bot.storage.models import Identity, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# Twilio's statuses short of failure, as ours ("queued" means Twilio has it: sent, for us).
PROGRESS = {
    "accepted": OutboxStatus.SENT,
    "scheduled": OutboxStatus.SENT,
    "queued": OutboxStatus.SENT,
    "sending": OutboxStatus.SENT,
    "sent": OutboxStatus.SENT,
    "delivered": OutboxStatus.DELIVERED,
    "read": OutboxStatus.READ,
}
FAILURES = ("failed", "undelivered")
RANK = {OutboxStatus.SENT: 1, OutboxStatus.DELIVERED: 2, OutboxStatus.READ: 3}


@dataclass(frozen=True)
class StatusUpdate:
    message_sid: str
    status: str
    error_code: int | None = None


async def record(database: Database, update: StatusUpdate, now: datetime) -> bool:
    """Apply one callback; True when a row went back to the queue (wake the dispatcher)."""
    async with database.transaction(short=True) as session:
        row = await _row(session, update.message_sid)
        if row is None:
            return False  # a part of a longer message, or a row already swept
        if update.status in FAILURES:
            return await _failed(session, row, update, now)
        new = PROGRESS.get(update.status)
        if new is not None and row.status in RANK and RANK[new] > RANK[row.status]:
            row.status = new
        return False


async def _failed(
    session: AsyncSession, row: OutboxMessage, update: StatusUpdate, now: datetime
) -> bool:
    code = update.error_code
    reason = f"{update.status}: {errors.describe(code)}"
    log.warning("outbox %s %s", row.id, reason)
    if row.status in (OutboxStatus.DELIVERED, OutboxStatus.READ):
        # It reached their phone: a failure reported after that (out of order) is news
        # of nothing; the message is neither held nor sent again.
        return False
    if row.status == OutboxStatus.HELD:
        # The template that announced this message failed; the message still waits.
        row.error = f"template {reason}"[:300]
    elif row.status not in RANK:
        return False  # already failed or given up: nothing more to learn
    elif errors.window_closed(code):
        row.status = OutboxStatus.HELD
        row.error = "outside the 24-hour window (63016); waits for their next message"
        row.provider_message_id = None
    elif code in errors.TRANSIENT and row.attempts < MAX_ATTEMPTS:
        row.status = OutboxStatus.PENDING
        row.next_attempt_at = now + backoff(row.attempts)
        row.error = reason[:300]
        return True
    else:
        row.status = OutboxStatus.FAILED
        row.error = reason[:300]
    if code in errors.UNREACHABLE:
        row.status = OutboxStatus.FAILED
        identity = await session.scalar(select(Identity).where(
            Identity.channel == CHANNEL, Identity.address == row.address))
        if identity is not None and identity.unreachable_at is None:
            identity.unreachable_at = now
    return False


async def question_of(database: Database, message_sid: str | None) -> str | None:
    """The question ("flow.step") a message we sent asked, for a button pressed under it."""
    if not message_sid:
        return None
    async with database.transaction(short=True) as session:
        row = await _row(session, message_sid)
        question = row.payload.get("question") if row is not None else None
    return str(question) if question else None


async def _row(session: AsyncSession, message_sid: str) -> OutboxMessage | None:
    return await session.scalar(select(OutboxMessage).where(
        OutboxMessage.channel == CHANNEL, OutboxMessage.provider_message_id == message_sid))
