"""Writing messages to the outbox, in the caller's transaction, and how often a message is
tried (the dispatcher and the channels' delivery reports share this policy)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, insert, literal, null, select, update
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


# Built once; the inbound path runs them only when something is held, last in its turn.
_TABLE = cast(Table, OutboxMessage.__table__)
_COPIED = [column for column in _TABLE.c if column.name != "id"]
_AS_RELEASED: dict[str, Any] = {
    "status": literal(OutboxStatus.PENDING, _TABLE.c.status.type),
    "next_attempt_at": bindparam("now", type_=_TABLE.c.next_attempt_at.type),
    "released_at": bindparam("now", type_=_TABLE.c.released_at.type),
    "error": null(), "provider_message_id": null(), "claimed_at": null(),
    "claimed_by": null(), "lease_until": null()}
_HELD_FOR = (and_(_TABLE.c.channel == bindparam("to_channel"),
                  _TABLE.c.address == bindparam("to_address"), held("outbox")))
_RELEASE = insert(_TABLE).from_select(
    [column.name for column in _COPIED],
    select(*[_AS_RELEASED.get(column.name, column) for column in _COPIED])
    .where(_HELD_FOR).order_by(_TABLE.c.id))  # in literals: read from the index of held rows
_RELEASED = delete(_TABLE).where(_HELD_FOR).execution_options(synchronize_session=False)


async def release_held(session: AsyncSession, channel: str, address: str, now: datetime) -> int:
    """The recipient wrote to us: what waited for that goes now, oldest first, and after
    the answer to what they wrote, which the turn has written by now. The answer comes
    first (an emergency's numbers before older news), and what waited is the last thing
    on their screen: a health message's "1. Useful / 2. Not clear" can be answered.
    The rows are written again, to come after it in the recipient's queue (which is in
    id order), and the held ones deleted; nothing was sent or refers to them yet."""
    params = {"to_channel": channel, "to_address": address, "now": now}
    result = await session.execute(_RELEASE, params)
    await session.execute(_RELEASED, params)
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
