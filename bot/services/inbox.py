"""Recording each inbound message once, so a retried webhook changes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import insert_for
from bot.storage.models import InboundMessage
from flows.types import Inbound


async def record_once(session: AsyncSession, inbound: Inbound, now: datetime) -> bool:
    """True the first time a (channel, provider message id) is seen, False after."""
    values = {
        "channel": inbound.channel,
        "provider_message_id": inbound.message_id[:128],
        "received_at": now,
    }
    statement = insert_for(session)(InboundMessage)
    result = await session.execute(
        statement.values(**values)
        .on_conflict_do_nothing(index_elements=["channel", "provider_message_id"])
        .returning(InboundMessage.id)
    )
    return result.scalar_one_or_none() is not None
