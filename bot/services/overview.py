"""The programme at a glance: this month against last, and what needs attention now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import impact
from bot.storage.models import OutboxMessage, OutboxStatus, Person, Status


@dataclass(frozen=True)
class Overview:
    this_month: impact.Report
    last_month: impact.Report
    failed_deliveries: int
    waiting_for_templates: int
    waiting_for_approval: int = 0


async def overview(session: AsyncSession, today: date,
                   areas: frozenset[int] = frozenset()) -> Overview:
    this = await impact.report(session, impact.month_start(today), today, areas)
    last = await impact.report(session, *impact.previous_month(today), areas)
    counts = dict((await session.execute(
        select(OutboxMessage.status, func.count(OutboxMessage.id))
        .where(OutboxMessage.status.in_(
            (OutboxStatus.FAILED, OutboxStatus.DEAD, OutboxStatus.HELD)))
        .group_by(OutboxMessage.status))).all())
    failed = counts.get(OutboxStatus.FAILED, 0) + counts.get(OutboxStatus.DEAD, 0)
    pending = select(func.count(Person.id)).where(Person.status == Status.PENDING)
    if areas:
        pending = pending.where(Person.area_id.in_(areas))
    return Overview(this, last, int(failed), int(counts.get(OutboxStatus.HELD, 0)),
                    int(await session.scalar(pending) or 0))
