"""Keeping little: sweeping what is no longer needed.

(A crashed dispatcher's sends are recovered by their expiring leases: bot.claims.)"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Result, delete, select

from bot.services import links
from bot.storage.database import Database
from bot.storage.models import Conversation, Identity, InboundMessage, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

INBOUND_DAYS = 30  # long enough to ignore any platform's retries
SENT_DAYS = 30  # delivery records are kept a month, then go


@dataclass(frozen=True)
class Swept:
    inbound: int
    strangers: int
    sent: int
    links: int = 0  # used one-time links past their expiry


def _count(result: Result[Any]) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def sweep(database: Database, now: datetime, idle: timedelta) -> Swept:
    async with database.transaction() as session:
        inbound = await session.execute(
            delete(InboundMessage).where(
                InboundMessage.received_at < now - timedelta(days=INBOUND_DAYS)))
        # People who started joining and went quiet: their partial answers go.
        stale = select(Conversation.identity_id).where(Conversation.updated_at < now - idle)
        strangers = await session.execute(
            delete(Identity).where(Identity.person_id.is_(None), Identity.id.in_(stale)))
        sent = await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.DELIVERED,
                                          OutboxStatus.READ, OutboxStatus.UNKNOWN]),
                OutboxMessage.created_at < now - timedelta(days=SENT_DAYS)))
        used_links = await links.sweep(session, now)
    swept = Swept(_count(inbound), _count(strangers), _count(sent), used_links)
    if any(vars(swept).values()):
        log.info("retention sweep: %s", swept)
    return swept
