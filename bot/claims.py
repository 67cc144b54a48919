"""Claiming outbox rows with a lease, so a crashed dispatcher costs seconds, not minutes.

A dispatcher process has an ``owner`` name (host, process id, a random part). A
claimed row is marked ``sending``, ``claimed_by`` that owner, ``lease_until`` a
few seconds ahead; while the owner lives it renews the lease of every row it
holds (``renew``, its heartbeat). A row whose lease ran out belongs to a process
that died mid-send: any dispatcher may claim it again, and its outcome is then
unknown (bot.outcomes decides what to do about that).

Only the oldest unfinished row of each recipient in a *lane* can be claimed, so
one person's messages arrive in the order written. There are two lanes:
conversation (replies, alerts, notices) and bulk (``kind == "broadcast"``, unless
it was held and released by the person writing); a reply never waits behind a
queued broadcast row to the same person. Claims run
in one short transaction with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several dispatchers share the work and never take the same row.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    Table,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.dml import Update

from bot.channels.base import BULK_KINDS
from bot.storage.database import Database
from bot.storage.models import (
    Identity,
    OutboxMessage,
    OutboxStatus,
    Person,
    Status,
    queued,
    unfinished,
)

LEASE = timedelta(seconds=10)  # a claim nobody renewed for this long is a dead process's
HEARTBEAT = 3.0  # seconds between renewals: several chances before a lease runs out
UNFINISHED = (OutboxStatus.PENDING, OutboxStatus.SENDING)
QUIET = (Status.PAUSED, Status.OPTED_OUT, Status.ERASED)


class Lane(Enum):
    CONVERSATION = "conversation"
    BULK = "bulk"


def owner_name() -> str:
    """Who this dispatcher is, as its claims record it."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


COLUMNS = (OutboxMessage.id, OutboxMessage.channel, OutboxMessage.address, OutboxMessage.kind,
           OutboxMessage.payload, OutboxMessage.attempts, OutboxMessage.person_id,
           OutboxMessage.status, OutboxMessage.claimed_at, OutboxMessage.created_at,
           OutboxMessage.forget_after_send)
OUTBOX = cast(Table, OutboxMessage.__table__)  # for statements run over many rows at once
DEAD = (update(OUTBOX).where(OUTBOX.c.id == bindparam("row_id"))
        .values(status=OutboxStatus.DEAD, error=bindparam("reason")))


def _in_lane(lane: Lane, row: type[OutboxMessage] = OutboxMessage) -> ColumnElement[bool]:
    # A held broadcast let go because the person wrote goes with the conversation,
    # just after the answer to what they wrote (outbox.release_held).
    bulk = and_(_among(row.kind, BULK_KINDS), row.released_at.is_(None))
    return bulk if lane is Lane.BULK else ~bulk


@dataclass(frozen=True, slots=True)
class Claimed:
    """What a claimed row carries to its send, and its recipient's last message."""

    id: int
    channel: str
    address: str
    kind: str
    payload: dict[str, Any]
    attempts: int  # this one included
    person_id: int | None
    created_at: datetime
    forget_after_send: bool
    known: bool  # the recipient still has an identity (someone forgotten has none)
    last_inbound_at: datetime | None
    # The previous claim's time when a dead process's lease was taken over.
    uncertain_since: datetime | None


@dataclass(frozen=True)
class Claimer:
    database: Database
    owner: str
    batch: int = 100

    def statement(self, channels: tuple[str, ...], lane: Lane, by_address: bool) -> Select[Any]:
        """The claim, built once per shape and kept: ``now``, ``address`` and ``limit`` are
        parameters, so a claim neither rebuilds nor re-keys the statement."""
        key = (channels, lane, by_address, self.database.is_postgres)
        query = _QUERIES.get(key)
        if query is None:
            query = _QUERIES[key] = _claim_query(channels, lane, by_address,
                                                 self.database.is_postgres)
        return query

    async def claim(self, channels: Sequence[str], lane: Lane, now: datetime,
                    address: str | None = None, limit: int | None = None
                    ) -> tuple[list[Claimed], int]:
        """Rows to send now (marked sending, leased to us), and how many were held back:
        at most ``limit`` (default: the batch)."""
        if not channels:
            return [], 0
        shape = (tuple(channels), lane, address is not None)
        found_with = {"now": now, "recipient": address, "limit": limit or self.batch}
        taken_with = {"owner": self.owner, "lease": now + LEASE, "now": now}
        if self.database.autocommit is not None:
            # PostgreSQL (asyncpg): find and take in one statement, one round trip.
            async with self.database.autocommit.connect() as connection:
                found = (await connection.execute(
                    self.taking(*shape), {**found_with, **taken_with})).all()
                claimed, dead = _read(sorted(found, key=lambda row: row[0]))
                if dead:  # taken with the rest: undo the attempt as it is laid to rest
                    await connection.execute(DEAD_TAKEN, dead)
            return claimed, len(dead)
        async with self.database.transaction(short=True) as session:
            found = (await session.execute(self.statement(*shape), found_with)).all()
            claimed, dead = _read(found)
            if claimed:
                await session.execute(
                    _TAKE[self.database.is_postgres],
                    {"ids": [c.id for c in claimed], **taken_with})
            if dead:
                await session.execute(DEAD, dead)
        return claimed, len(dead)

    def taking(self, channels: tuple[str, ...], lane: Lane, by_address: bool) -> Update:
        """The claim and the marking of what it found as one statement (PostgreSQL):
        ``UPDATE … FROM (the claim) RETURNING`` what the claim read, as it was."""
        key = (channels, lane, by_address)
        taking = _TAKING.get(key)
        if taking is None:
            picked = self.statement(channels, lane, by_address).cte("picked")
            taking = _TAKING[key] = (
                update(OUTBOX).where(OUTBOX.c.id == picked.c.id).values(_taken())
                .returning(*picked.c))
        return taking

    async def renew(self, now: datetime) -> int:
        """The heartbeat: every row this process is still sending keeps its lease. On
        PostgreSQL a row whose result is being recorded at this moment is skipped, not
        waited for (its lease no longer matters; waiting could deadlock with the record,
        which locks rows in another order); a record that fails leaves it to the next beat."""
        mine = and_(OutboxMessage.claimed_by == self.owner,
                    OutboxMessage.status == OutboxStatus.SENDING)
        if self.database.is_postgres:
            mine = OutboxMessage.id.in_(
                select(OutboxMessage.id).where(mine).with_for_update(skip_locked=True))
        async with self.database.transaction(short=True) as session:
            result = await session.execute(
                update(OutboxMessage).where(mine).values(lease_until=now + LEASE))
        return int(getattr(result, "rowcount", 0) or 0)


def _among(column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN (…)`` with one parameter per value, not a list expanded into the SQL at
    each execution (SQLAlchemy's default for a list): for statements run all the time."""
    return cast(ColumnElement[bool], column.in_([literal(v, column.type) for v in values]))


def _taken() -> dict[str, Any]:
    """What a claim sets on each row it takes: sending, leased to ``owner`` until
    ``lease``, one more attempt; an unknown outcome dates from the first claim."""
    first = case((OUTBOX.c.status == OutboxStatus.SENDING, OUTBOX.c.claimed_at))
    return {"status": OutboxStatus.SENDING, "claimed_by": bindparam("owner"),
            "lease_until": bindparam("lease", type_=OUTBOX.c.lease_until.type),
            "attempts": OUTBOX.c.attempts + 1,
            "claimed_at": func.coalesce(first, bindparam("now", type_=OUTBOX.c.claimed_at.type))}


def _take(postgres: bool) -> Update:
    """Marking claimed rows taken, built once. On PostgreSQL the rows are one array
    parameter, not a parameter each (a statement for every size)."""
    ids = (OUTBOX.c.id == any_(bindparam("ids", type_=ARRAY(Integer))) if postgres
           else OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    return update(OUTBOX).where(ids).values(_taken())


_TAKE = {postgres: _take(postgres) for postgres in (False, True)}
_TAKING: dict[tuple[tuple[str, ...], Lane, bool], Update] = {}
# A row taken by the one-statement claim, then found held back: dead, its attempt undone.
DEAD_TAKEN = DEAD.values(attempts=OUTBOX.c.attempts - 1)


def _read(found: Sequence[Any]) -> tuple[list[Claimed], list[dict[str, Any]]]:
    """The claim's rows: those to send, and those held back (with why)."""
    claimed: list[Claimed] = []
    dead: list[dict[str, Any]] = []
    for (row_id, channel, to, kind, payload, attempts, person_id, status, claimed_at,
         created_at, forget, identity, last_inbound, unreachable, opted_out,
         person_status) in found:
        reason = held_back(kind, created_at, unreachable, opted_out, person_status)
        if reason is not None:
            dead.append({"row_id": row_id, "reason": reason})
            continue
        uncertain = claimed_at if status == OutboxStatus.SENDING else None
        claimed.append(Claimed(
            row_id, channel, to, kind, payload, attempts + 1, person_id, created_at,
            forget, identity is not None, last_inbound, uncertain or None))
    return claimed, dead


_QUERIES: dict[tuple[tuple[str, ...], Lane, bool, bool], Select[Any]] = {}
# SQLite: the lane's queue index (its condition is in the claim, word for word:
# models.queued). PostgreSQL plans the claim by its statistics, from ix_outbox_due.
QUEUE_INDEX = {Lane.BULK: "ix_outbox_bulk_queue", Lane.CONVERSATION: "ix_outbox_conversation_queue"}
if BULK_KINDS != ("broadcast",):
    raise RuntimeError("bot.storage.models.queued and its indexes name the bulk kinds")


def _claim_query(channels: tuple[str, ...], lane: Lane, by_address: bool, postgres: bool
                 ) -> Select[Any]:
    now = bindparam("now", type_=OutboxMessage.next_attempt_at.type)
    due = or_(and_(OutboxMessage.status == OutboxStatus.PENDING,
                   OutboxMessage.next_attempt_at <= now),
              and_(OutboxMessage.status == OutboxStatus.SENDING,
                   or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now)))
    earlier = aliased(OutboxMessage, name="earlier")
    blocked = (
        select(earlier.id).where(
            earlier.channel == OutboxMessage.channel,
            earlier.address == OutboxMessage.address,
            earlier.id < OutboxMessage.id,
            unfinished("earlier"),  # the recipient's queue, in ix_outbox_recipient_queue
            _in_lane(lane, earlier))
        .with_hint(earlier, "INDEXED BY ix_outbox_recipient_queue", "sqlite")
        .exists())
    # Each row comes with its recipient's identity and status: no query per row, and
    # plain columns rather than objects (the dispatcher's cost is per row). The channels
    # are written into the statement (a dispatcher's set never changes): no list to
    # expand at each execution.
    query = (
        select(*COLUMNS, Identity.id, Identity.last_inbound_at, Identity.unreachable_at,
               Identity.opted_out_at, Person.status)
        .outerjoin(Identity, (Identity.channel == OutboxMessage.channel)
                   & (Identity.address == OutboxMessage.address))
        .outerjoin(Person, Person.id == func.coalesce(OutboxMessage.person_id,
                                                      Identity.person_id))
        .where(_in_lane(lane) if postgres else queued(lane is Lane.BULK, "outbox"), due,
               _among(OutboxMessage.channel, channels), ~blocked)
        .order_by(OutboxMessage.id)
        .limit(bindparam("limit", type_=Integer))
    )
    if by_address:
        query = query.where(OutboxMessage.address == bindparam("recipient"))
    else:
        # Without statistics SQLite would rather read every row of the channel ever
        # written (by ix_outbox_recipient) and sort them: the lane's queue, in id order,
        # is what a claim wants, however long the outbox grows.
        query = query.with_hint(OutboxMessage, f"INDEXED BY {QUEUE_INDEX[lane]}", "sqlite")
    if postgres:
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    return query


def held_back(kind: str, created_at: datetime, unreachable_at: datetime | None,
              opted_out_at: datetime | None, status: Status | None) -> str | None:
    """Why not to send: never to someone unreachable or opted out, or (except replies)
    to the paused; None to send."""
    if unreachable_at is not None:
        return "recipient is unreachable"
    if opted_out_at is not None and not (kind == "reply" and created_at >= opted_out_at):
        # Only replies still go: the confirmation, written in the same turn as the
        # opt-out, and answers to what the person wrote since (an emergency, START).
        return "recipient has opted out"
    if kind != "reply" and status in QUIET:
        return f"recipient is {status.value if status else 'gone'}"
    return None
