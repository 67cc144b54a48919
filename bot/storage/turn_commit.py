"""A turn read in one statement and written in one, on PostgreSQL, each committed on its own.

Most turns (a champion browsing the menu, reading their impact) change only their own
conversation and send replies. On PostgreSQL such a turn reads what it starts from
outside any transaction, runs the pure engine, and then writes everything in one
statement, which commits or does nothing as a whole: the inbound message recorded
once, the conversation saved, the identity's "last wrote" stamp, and the replies in
the outbox in order. Two round trips (one, when the read is not needed: below) instead
of six (BEGIN, record and lock, read, save, replies, COMMIT), sent straight through the
driver (asyncpg), whose prepared statements these are: most messages take this path.

The write happens only if everything the turn started from is still so: the
conversation (its time and JSON), the person (every column the turn may read), the
identity (same person, not opted out) and nothing held for the address. It first takes
the person's lock (the one a transaction turn holds, bot.locks), so a turn of the same
person in another process either committed before the check, which then fails
(PostgreSQL checks the rows' latest versions), or starts after this write. Because the
check covers all of it, what a turn starts from may be what the previous turn of the
same person left (bot.services.conversations.RecentArrivals) instead of a fresh read.
If the check fails nothing is written; then, for a message already recorded, and on
any error, the caller runs the turn again as an ordinary transaction under the
person's lock (bot.services.inbound).
"""

from __future__ import annotations

import enum
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from bot.storage.models import SHOWN, OutboxStatus, held

# What a turn starts from: the identity, its person, the conversation as stored (its
# JSON text, compared as it was read) and whether messages wait for this address.
# JSON columns come as text, whatever codecs the connection has.
ARRIVAL_COLUMNS = {
    "identity": ("id", "person_id", "channel", "address", "created_at", "last_inbound_at",
                 "unreachable_at", "opted_out_at"),
    "person": ("id", "role", "status", "display_name", "language", "area_id", "topics",
               "partner_id", "created_at", "updated_at", "erased_at"),
}
# The person as the turn saw them, as one text: compared again when the turn is written.
_PERSON_SEEN = ("ROW(p.role, p.status, p.display_name, p.language, p.area_id, p.topics::text, "
                "p.partner_id, p.erased_at)::text")
_ARRIVAL = f"""
SELECT {", ".join(f"i.{c} AS i_{c}" for c in ARRIVAL_COLUMNS["identity"])},
       {", ".join(f"p.{c}{'::text' if c == 'topics' else ''} AS p_{c}"
                  for c in ARRIVAL_COLUMNS["person"])},
       {_PERSON_SEEN} AS person_seen,
       c.state::text AS state, c.updated_at AS updated_at,
       EXISTS (SELECT 1 FROM outbox o WHERE o.channel = i.channel AND o.address = i.address
               AND {held("o").text}) AS held
FROM identities i
LEFT JOIN people p ON p.id = i.person_id
LEFT JOIN conversations c ON c.identity_id = i.id
WHERE i.channel = $1 AND i.address = $2
"""

# Every part runs (a data-modifying WITH always does); each but the first depends on
# "saved", so when the conversation moved on or the message is known, none writes.
# "guard" divides by zero, failing the whole statement, in the one case that must not
# commit: the conversation saved but the message's row already there (recorded by a
# path that does not touch this conversation, between the check and the insert).
_COMMIT = f"""
WITH fresh AS (
    SELECT NOT EXISTS (SELECT 1 FROM inbound_messages
                       WHERE channel = $1 AND provider_message_id = $2) AS ok,
           pg_advisory_xact_lock($12) AS locked
), saved AS (
    UPDATE conversations SET state = $6::json, updated_at = $7
    WHERE identity_id = $3 AND updated_at = $4::timestamptz AND state::jsonb = $5::jsonb
      AND (SELECT ok FROM fresh)
      AND EXISTS (SELECT 1 FROM identities i JOIN people p ON p.id = i.person_id
                  WHERE i.id = $3 AND i.person_id = $11 AND i.opted_out_at IS NULL
                    AND i.unreachable_at IS NULL  -- back after that: the transaction
                    AND {_PERSON_SEEN} = $13)
      AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.channel = $1 AND o.address = $10
                      AND {held("o").text})
      -- "1" or "2" typed just after a broadcast answers it (bot.services.feedback).
      AND NOT ($14::boolean AND EXISTS (
          SELECT 1 FROM (SELECT o.broadcast_id, o.status FROM outbox o
                         WHERE o.channel = $1 AND o.address = $10
                         ORDER BY o.id DESC LIMIT 1) AS last
          WHERE last.broadcast_id IS NOT NULL
            AND last.status IN ({", ".join(f"'{s.value}'" for s in SHOWN)})))
    RETURNING identity_id
), recorded AS (
    INSERT INTO inbound_messages (channel, provider_message_id, received_at)
    SELECT $1, $2, $7 WHERE EXISTS (SELECT 1 FROM saved)
    ON CONFLICT DO NOTHING
    RETURNING id
), stamped AS (
    UPDATE identities SET last_inbound_at = $7
    WHERE id = $3 AND EXISTS (SELECT 1 FROM saved)
      AND (last_inbound_at IS NULL OR last_inbound_at <= $7 - $8::interval
           OR last_inbound_at > $7)
), replies AS (
    INSERT INTO outbox (channel, address, person_id, kind, payload, status, attempts,
                        next_attempt_at, created_at, forget_after_send)
    SELECT $1, $10::varchar, $11::integer, 'reply', r.payload::json,
           '{OutboxStatus.PENDING.value}', 0, $7, $7, false
    FROM unnest($9::text[]) WITH ORDINALITY AS r(payload, n)
    WHERE EXISTS (SELECT 1 FROM saved)
    ORDER BY r.n
)
SELECT (SELECT ok FROM fresh) AS fresh,
       (SELECT count(*) FROM saved) AS saved,
       1 / (1 + (SELECT count(*) FROM recorded) - (SELECT count(*) FROM saved)) AS guard
"""
_DIVISION_BY_ZERO = "22012"


class Written(enum.Enum):
    DONE = "done"            # everything written and committed
    DUPLICATE = "duplicate"  # the message was already recorded: nothing written
    MOVED_ON = "moved on"    # something it started from changed meanwhile: nothing written


@asynccontextmanager
async def _driver(engine: AsyncEngine) -> AsyncIterator[Any]:
    """asyncpg's connection, from the pool and back, for one statement: a turn holds
    none while the engine runs or its views are read (each view session takes its own),
    so it never waits for a second connection while holding one."""
    pooled = await engine.raw_connection()
    try:
        yield pooled.driver_connection
    except BaseException:
        # The driver's state is unknown (the connection may have dropped, perhaps
        # after a commit): the pool must not hand this connection out again.
        await greenlet_spawn(pooled.invalidate)
        raise
    finally:
        await greenlet_spawn(pooled.close)  # back to the pool


async def arrival(engine: AsyncEngine, channel: str, address: str) -> Any:
    """The arrival row (see _ARRIVAL), or None for an address never seen. ``engine``:
    PostgreSQL with asyncpg (Database.autocommit): every statement commits on its own."""
    async with _driver(engine) as driver:
        return await driver.fetchrow(_ARRIVAL, channel, address)


async def commit(
    engine: AsyncEngine, *, channel: str, address: str, message_id: str, identity_id: int,
    person_id: int, seen_at: datetime, seen_state: str, seen_person: str, state: str,
    replies: Sequence[dict[str, Any]], now: datetime, stamp_every: timedelta, lock_key: int,
    may_answer_broadcast: bool = False,
) -> Written:
    """Write a turn in one statement, if what it started from (``seen_*``, see
    _ARRIVAL) is still so. ``state``: the conversation to save, as JSON text.
    ``stamp_every``: the identity's "last wrote" is written when older than this (an
    identity unreachable until now takes the transaction: a coordinator back is given
    the alerts that waited, bot.services.alerts.back). ``lock_key``: the person's lock
    (bot.locks), taken first: a transaction of theirs running elsewhere ends before
    this checks.
    ``may_answer_broadcast``: the message could answer a broadcast's question if that is
    the last thing sent to the address; then nothing is written (MOVED_ON)."""
    async with _driver(engine) as driver:
        try:
            row = await driver.fetchrow(
                _COMMIT, channel, message_id[:128], identity_id, seen_at, seen_state, state,
                now, stamp_every, [json.dumps(reply) for reply in replies], address,
                person_id, lock_key, seen_person, may_answer_broadcast)
        except Exception as error:
            if getattr(error, "sqlstate", None) == _DIVISION_BY_ZERO:
                return Written.MOVED_ON  # the guard: the statement wrote nothing
            raise
    if not row["fresh"]:
        return Written.DUPLICATE
    return Written.DONE if row["saved"] else Written.MOVED_ON
