"""Writing messages to the outbox, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import OutboxMessage, OutboxStatus
from flows.types import Reply


def enqueue(
    session: AsyncSession,
    *,
    channel: str,
    address: str,
    reply: Reply,
    now: datetime,
    kind: str = "reply",
    person_id: int | None = None,
    forget_after_send: bool = False,
) -> OutboxMessage:
    row = OutboxMessage(
        channel=channel,
        address=address,
        person_id=person_id,
        kind=kind,
        payload=reply.to_dict(),
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        forget_after_send=forget_after_send,
    )
    session.add(row)
    return row


async def last_delivered(session: AsyncSession, channel: str, address: str) -> OutboxMessage | None:
    """The latest message delivered to an address, with the platform's id for it."""
    return await session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.address == address,
               OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.DELIVERED,
                                         OutboxStatus.READ]),
               OutboxMessage.provider_message_id.is_not(None))
        .order_by(OutboxMessage.id.desc())
        .limit(1))
