"""Writing messages to the outbox, in the caller's transaction, and how often a message is
tried (the dispatcher and the channels' delivery reports share this policy)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import OutboxMessage, OutboxStatus, held
from flows.types import Reply

MAX_ATTEMPTS = 8


def backoff(attempts: int) -> timedelta:
    """How long to wait before trying a message again after ``attempts`` tries."""
    return timedelta(seconds=min(2 ** attempts, 900))


def enqueue(
    session: AsyncSession,
    *,
    channel: str,
    address: str,
    reply: Reply,
    now: datetime,
    kind: str = "reply",
    person_id: int | None = None,
    about_person_id: int | None = None,
    forget_after_send: bool = False,
    values: Mapping[str, str] | None = None,
) -> OutboxMessage:
    """``values`` name what a channel may put in an approved template (e.g. a reference)."""
    row = OutboxMessage(**_row(
        channel=channel, address=address, reply=reply, now=now, kind=kind,
        person_id=person_id, about_person_id=about_person_id,
        forget_after_send=forget_after_send, values=values))
    session.add(row)
    return row


async def write(
    session: AsyncSession, *, channel: str, address: str, reply: Reply, now: datetime,
    kind: str = "reply", person_id: int | None = None, forget_after_send: bool = False,
) -> None:
    """``enqueue`` as one INSERT now, without an object to keep (a turn's replies: the
    unit of work for one object cost a fifth of a turn). Rows enqueued before it in the
    same transaction are written first (the session flushes them before any statement),
    so a recipient's messages keep their order."""
    await session.execute(_WRITE, _row(
        channel=channel, address=address, reply=reply, now=now, kind=kind,
        person_id=person_id, about_person_id=None, forget_after_send=forget_after_send,
        values=None))


def _row(*, channel: str, address: str, reply: Reply, now: datetime, kind: str,
         person_id: int | None, about_person_id: int | None, forget_after_send: bool,
         values: Mapping[str, str] | None) -> dict[str, Any]:
    payload = reply.to_dict()
    if values:
        payload["values"] = dict(values)
    return {"channel": channel, "address": address, "person_id": person_id, "kind": kind,
            "payload": payload, "status": OutboxStatus.PENDING, "attempts": 0,
            "next_attempt_at": now, "created_at": now, "forget_after_send": forget_after_send,
            "about_person_id": about_person_id}


_WRITE = insert(cast(Table, OutboxMessage.__table__))  # Core: built once, no object per row


# Built once; the inbound path runs it only when something is held, first in its turn
# (no outbox objects loaded yet, so none to bring up to date).
_RELEASE = (
    update(OutboxMessage)
    .where(OutboxMessage.channel == bindparam("to_channel"),
           OutboxMessage.address == bindparam("to_address"),
           held("outbox"))  # in literals: read from the index of held rows
    .values(status=OutboxStatus.PENDING, next_attempt_at=bindparam("now"), error=None,
            provider_message_id=None, released_at=bindparam("now"))
    .execution_options(synchronize_session=False))


async def release_held(session: AsyncSession, channel: str, address: str, now: datetime) -> int:
    """The recipient wrote to us: what waited for that goes now, oldest first."""
    result = await session.execute(
        _RELEASE, {"to_channel": channel, "to_address": address, "now": now})
    return int(getattr(result, "rowcount", 0) or 0)


# Why a row to an opted-out number was never sent (the dispatcher says the same).
OPTED_OUT = "recipient has opted out"

_REFUSE = (
    update(OutboxMessage)
    .where(OutboxMessage.channel == bindparam("to_channel"),
           OutboxMessage.address == bindparam("to_address"),
           held("outbox"))
    .values(status=OutboxStatus.DEAD, error=OPTED_OUT, provider_message_id=None)
    .execution_options(synchronize_session=False))


async def refuse_held(session: AsyncSession, channel: str, address: str) -> int:
    """The recipient opted out: what waited for them is never sent (not even after START,
    like everything written while they are paused); only the confirmation goes."""
    result = await session.execute(_REFUSE, {"to_channel": channel, "to_address": address})
    return int(getattr(result, "rowcount", 0) or 0)


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
