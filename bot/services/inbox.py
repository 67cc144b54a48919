"""Recording each inbound message once, so a retried webhook changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.locks import lock_key
from bot.storage.models import InboundMessage
from flows.types import Inbound

_KEY = ["channel", "provider_message_id"]
_TABLE = cast(Table, InboundMessage.__table__)  # Core, not the ORM: no objects needed
# Built once: the same statements serve every turn.
_RECORD: dict[str, Any] = {
    "sqlite": sqlite_insert(_TABLE).on_conflict_do_nothing(index_elements=_KEY)
    .returning(_TABLE.c.id),
    "postgresql": pg_insert(_TABLE).on_conflict_do_nothing(index_elements=_KEY)
    .returning(_TABLE.c.id),
}
# PostgreSQL: the person's lock (see bot.locks) taken by the same statement, once the
# row is in, so it costs no round trip of its own.
_RECORD_AND_LOCK = pg_insert(_TABLE).on_conflict_do_nothing(
    index_elements=_KEY).returning(
        _TABLE.c.id, func.pg_advisory_xact_lock(bindparam("lock_key")))


async def record_once(session: AsyncSession, inbound: Inbound, now: datetime, *,
                      lock: bool = False) -> bool:
    """True the first time a (channel, provider message id) is seen, False after.

    ``lock``: on PostgreSQL, also take the sender's lock across processes (held until
    the transaction ends) when the message is new."""
    values: dict[str, Any] = {
        "channel": inbound.channel,
        "provider_message_id": inbound.message_id[:128],
        "received_at": now,
    }
    dialect = session.get_bind().dialect.name
    if lock and dialect == "postgresql":
        statement = _RECORD_AND_LOCK
        values["lock_key"] = lock_key(inbound.channel, inbound.address)
    else:
        statement = _RECORD[dialect]
    result = await session.execute(statement, values)
    return result.first() is not None
