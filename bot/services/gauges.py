"""The programme's work at /metrics: escalations by status and how many are overdue,
broadcasts by status and their messages by state. Read from the database at each
scrape (bot.metrics), so every process shows the same numbers; counts only, never
who or what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from bot.services import followups
from bot.settings import Settings
from bot.storage.broadcasts import Broadcast, BroadcastStatus
from bot.storage.models import (
    Escalation,
    EscalationStatus,
    OutboxMessage,
    OutboxStatus,
    Partner,
)


@metrics.measure("champbot_escalations", "Escalations by status (new, acknowledged, "
                 "in_progress, resolved, not_for_us, closed).", ("status",))
async def escalations(session: AsyncSession, now: datetime, settings: Settings
                      ) -> metrics.Readings:
    counted = dict((await session.execute(
        select(Escalation.status, func.count()).group_by(Escalation.status))).all())
    return [((status.value,), counted.get(status, 0)) for status in EscalationStatus]


@metrics.measure("champbot_escalations_unrouted",
                 "Concerns waiting for a coordinator to choose a partner.")
async def unrouted(session: AsyncSession, now: datetime, settings: Settings
                   ) -> metrics.Readings:
    count = await session.scalar(select(func.count()).select_from(Escalation).where(
        Escalation.status == EscalationStatus.NEW, Escalation.partner_id.is_(None)))
    return [((), count or 0)]


@metrics.measure("champbot_escalations_overdue",
                 "Escalations a partner has not acknowledged by the time they were due.")
async def overdue(session: AsyncSession, now: datetime, settings: Settings
                  ) -> metrics.Readings:
    waiting = (await session.execute(
        select(Escalation, Partner).join(Partner, Partner.id == Escalation.partner_id)
        .where(Escalation.status == EscalationStatus.NEW))).all()
    late = sum(1 for escalation, partner in waiting
               if followups.overdue(escalation, partner, settings, now))
    return [((), late)]


@metrics.measure("champbot_broadcasts", "Broadcasts by status (draft, scheduled, starting, "
                 "started, cancelled).", ("status",))
async def broadcasts(session: AsyncSession, now: datetime, settings: Settings
                     ) -> metrics.Readings:
    counted = dict((await session.execute(
        select(Broadcast.status, func.count()).group_by(Broadcast.status))).all())
    return [((status.value,), counted.get(status, 0)) for status in BroadcastStatus]


@metrics.measure("champbot_broadcast_messages",
                 "Broadcast messages (one per recipient) by outbox status.", ("status",))
async def broadcast_messages(session: AsyncSession, now: datetime, settings: Settings
                             ) -> metrics.Readings:
    counted = (await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.broadcast_id.is_not(None)).group_by(OutboxMessage.status))).all()
    return [((OutboxStatus(status).value,), count) for status, count in counted]
