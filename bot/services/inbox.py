"""Recording each inbound message once, so a retried webhook changes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import InboundMessage
from flows.types import Inbound


async def record_once(session: AsyncSession, inbound: Inbound, now: datetime) -> bool:
    """True the first time a (channel, provider message id) is seen, False after."""
    values = {
        "channel": inbound.channel,
        "provider_message_id": inbound.message_id[:128],
        "received_at": now,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(InboundMessage)
    result = await session.execute(
        statement.values(**values)
        .on_conflict_do_nothing(index_elements=["channel", "provider_message_id"])
        .returning(InboundMessage.id)
    )
    return result.scalar_one_or_none() is not None
