"""Concerns at a glance for the overview: what waits for routing, what is overdue, how fast
partners acknowledge (median, this month against last), and broadcasts held for a
WhatsApp template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import followups, impact
from bot.settings import Settings
from bot.storage.models import (
    OPEN,
    Concern,
    Escalation,
    EscalationStatus,
    OutboxMessage,
    OutboxStatus,
    Partner,
)


@dataclass(frozen=True)
class ConcernStats:
    unrouted: int
    overdue: int
    # Median hours from routing to acknowledgement; None when nothing was acknowledged.
    acknowledge_this_month: float | None
    acknowledge_last_month: float | None
    broadcasts_waiting_for_templates: int


def _open_in(areas: frozenset[int]
             ) -> Select[int | None, EscalationStatus, datetime, bool, str]:
    # Columns, not ORM objects: every open escalation is looked at.
    query = (select(Escalation.partner_id, Escalation.status, Escalation.created_at,
                    Escalation.urgent, Partner.work_days)
             .join(Concern, Concern.id == Escalation.concern_id)
             .outerjoin(Partner, Partner.id == Escalation.partner_id)
             .where(Escalation.status.in_(OPEN)))
    return query.where(Concern.area_id.in_(areas)) if areas else query


async def _median_hours(session: AsyncSession, settings: Settings, start: date, end: date,
                        areas: frozenset[int]) -> float | None:
    zone = settings.zone
    since = datetime.combine(start, time(), zone)
    until = datetime.combine(end + timedelta(days=1), time(), zone)
    query = (select(Escalation.created_at, Escalation.acknowledged_at)
             .join(Concern, Concern.id == Escalation.concern_id)
             .where(Escalation.partner_id.is_not(None),
                    Escalation.acknowledged_at.is_not(None),
                    Escalation.acknowledged_at >= since, Escalation.acknowledged_at < until))
    if areas:
        query = query.where(Concern.area_id.in_(areas))
    hours = [(ack - made).total_seconds() / 3600
             for made, ack in (await session.execute(query)).all() if ack is not None]
    return round(median(hours), 1) if hours else None


async def stats(session: AsyncSession, settings: Settings, now: datetime,
                areas: frozenset[int] = frozenset()) -> ConcernStats:
    today = now.astimezone(settings.zone).date()
    rows = (await session.execute(_open_in(areas))).all()
    unrouted = sum(1 for partner_id, *_rest in rows if partner_id is None)
    overdue = sum(1 for partner_id, status, routed_at, urgent, work_days in rows
                  if partner_id is not None and status is EscalationStatus.NEW
                  and followups.due(routed_at, urgent, work_days, settings) <= now)
    held = await session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "broadcast", OutboxMessage.status == OutboxStatus.HELD))
    return ConcernStats(
        unrouted, overdue,
        await _median_hours(session, settings, impact.month_start(today), today, areas),
        await _median_hours(session, settings, *impact.previous_month(today), areas),
        int(held or 0))
