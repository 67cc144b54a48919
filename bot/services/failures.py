"""Messages that could not be delivered: counted for coordinators, never a flood."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.services import identities, outbox
from bot.storage.database import Database
from bot.storage.models import OutboxMessage, OutboxStatus, Role
from flows.i18n import _, language, number
from flows.types import Reply

# Never report failures of failure reports (or of alerts) back to coordinators.
UNREPORTED_KINDS = ("failure_report",)


@dataclass(frozen=True)
class Summary:
    by_state: list[tuple[str, str, str, int]]  # channel, status, reason, count


async def report(database: Database, now: datetime) -> int:
    """Tell each coordinator how many messages failed since the last report; returns that count."""
    async with database.transaction() as session:
        dead = list(await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status.in_([OutboxStatus.DEAD, OutboxStatus.FAILED]),
                OutboxMessage.reported_at.is_(None),
                OutboxMessage.kind.not_in(UNREPORTED_KINDS))))
        if not dead:
            return 0
        reasons = Counter((row.error or "unknown")[:80] for row in dead)
        for row in dead:
            row.reported_at = now
        coordinators = await identities.of_people(session, role=Role.COORDINATOR)
        for person, identity in coordinators:
            with language(person.language):
                lines = [_("{count} messages could not be delivered. The most common reasons:",
                           count=number(len(dead)))]
                lines += [f"• {reason} ({number(n)})" for reason, n in reasons.most_common(3)]
                lines.append(_("Details: champbot outbox"))
            outbox.enqueue(session, channel=identity.channel, address=identity.address,
                           reply=Reply("\n".join(lines), language=person.language), now=now,
                           kind="failure_report", person_id=person.id)
    return len(dead)


async def summary(database: Database) -> Summary:
    """Messages not yet delivered or given up on, grouped by channel, status and reason."""
    async with database.transaction() as session:
        rows = (await session.execute(
            select(OutboxMessage.channel, OutboxMessage.status, OutboxMessage.error,
                   func.count())
            .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING,
                                             OutboxStatus.HELD, OutboxStatus.DEAD,
                                             OutboxStatus.FAILED]))
            .group_by(OutboxMessage.channel, OutboxMessage.status, OutboxMessage.error)
            .order_by(OutboxMessage.channel, OutboxMessage.status))).all()
    return Summary([(c, s.value, e or "", int(n)) for c, s, e, n in rows])
