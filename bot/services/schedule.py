"""When broadcasts go: quiet hours, lateness and the next time of a recurring one.

Schedules are rows in ``broadcasts`` (never pickled scheduler jobs): the one
scheduler process ticks, and whatever is due is started in the database.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from bot.storage.broadcasts import Broadcast, BroadcastStatus, BroadcastText

# Started this long after its time, a broadcast is reported as late (the tick is 30 s).
LATE_AFTER = timedelta(minutes=5)


def quiet_until(settings: Settings, now: datetime) -> datetime | None:
    """The end of the quiet hours ``now`` falls in (in UTC), or None outside them."""
    quiet = settings.quiet_hours
    if quiet is None:
        return None
    start, end = quiet
    local = now.astimezone(settings.zone)
    moment = local.time()
    inside = (start <= moment < end) if start < end else (moment >= start or moment < end)
    if not inside:
        return None
    day = local.date() if moment < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=settings.zone).astimezone(now.tzinfo)


def held_until(broadcast: Broadcast) -> datetime | None:
    """When a broadcast held for quiet hours starts (None when it is not held)."""
    waiting = broadcast.status == BroadcastStatus.SCHEDULED
    return broadcast.held_until if waiting else None


def is_late(broadcast: Broadcast, now: datetime) -> bool:
    due = broadcast.held_until or broadcast.at
    return due is not None and now - due > LATE_AFTER


def next_time(first: datetime, repeat: str, now: datetime, zone: tzinfo) -> datetime:
    """The first occurrence after ``now`` of a broadcast first due at ``first``, repeating
    weekly or monthly (missed ones are not made up, only the last). Each is counted from
    ``first`` in the programme's time zone: the same wall-clock time whatever daylight
    saving does, and monthly the same day (the month's last day when it is shorter)."""
    local = first.astimezone(zone)
    n = 0
    while (at := _nth(local, repeat, n).astimezone(first.tzinfo)) <= now:
        n += 1
    return at


def _nth(first: datetime, repeat: str, n: int) -> datetime:
    """The ``n``-th time after ``first`` (a local time), as a local time."""
    if repeat == "weekly":
        day = first.date() + timedelta(weeks=n)
    else:
        year, month = divmod(first.month - 1 + n, 12)
        year += first.year
        month += 1
        day = first.date().replace(year=year, month=month,
                                   day=min(first.day, calendar.monthrange(year, month)[1]))
    return datetime.combine(day, first.timetz().replace(fold=0))


async def occurrence(session: AsyncSession, broadcast: Broadcast, now: datetime,
                     zone: tzinfo) -> Broadcast:
    """The broadcast to start: itself, or for a recurring one a copy (its next time set,
    counted from its first time: see first_time)."""
    if not broadcast.repeat:
        return broadcast
    copy = Broadcast(status=BroadcastStatus.SCHEDULED,
                     library_message_id=broadcast.library_message_id,
                     audience=broadcast.audience, at=broadcast.at, urgent=broadcast.urgent,
                     late=broadcast.late, parent_id=broadcast.id,
                     created_by=broadcast.created_by, created_at=now)
    session.add(copy)
    await session.flush()
    for text in await session.scalars(select(BroadcastText).where(
            BroadcastText.broadcast_id == broadcast.id, BroadcastText.fallback.is_(False))):
        session.add(BroadcastText(broadcast_id=copy.id, language=text.language, text=text.text))
    first = await first_time(session, broadcast)
    broadcast.at = next_time(first or now, broadcast.repeat, now, zone)
    broadcast.status = BroadcastStatus.SCHEDULED
    broadcast.held_until = None
    broadcast.late = False
    await session.flush()
    return copy


async def first_time(session: AsyncSession, broadcast: Broadcast) -> datetime | None:
    """When a recurring broadcast was first due: each copy keeps the time it was due
    (``at``), so its earliest copy's; before any copy, its own ``at``."""
    earliest = await session.scalar(select(func.min(Broadcast.at)).where(
        Broadcast.parent_id == broadcast.id))
    return earliest or broadcast.at


async def due(session: AsyncSession, now: datetime) -> list[int]:
    """Broadcasts to start now, and ones a crash left half written; by id. One held for
    quiet hours starts when they end (``held_until``), the time it was asked to start."""
    scheduled = select(Broadcast.id).where(
        Broadcast.status == BroadcastStatus.SCHEDULED,
        (Broadcast.held_until.is_(None) & (Broadcast.at <= now))
        | (Broadcast.held_until <= now))
    starting = select(Broadcast.id).where(Broadcast.status == BroadcastStatus.STARTING)
    return sorted(set(await session.scalars(scheduled)) | set(await session.scalars(starting)))
