"""Messages that could not be delivered: counted for coordinators, never a flood."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.services import identities, outbox
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import OutboxMessage, OutboxStatus, Role
from flows.i18n import _, language, number
from flows.types import Reply

# Never report failures of failure reports (or of alerts) back to coordinators.
UNREPORTED_KINDS = ("failure_report",)
# The settings that turn each channel on (the console is the simulator's own).
CHANNEL_SETTINGS = {"telegram": "TELEGRAM_BOT_TOKEN",
                    "whatsapp": "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM",
                    "email": "SMTP_URL"}
WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def unconfigured(settings: Settings, channel: str) -> str | None:
    """Why nothing goes out on ``channel`` with these settings: its settings are missing
    (None when they are there, and for the console, which `champbot chat` sends)."""
    enabled = {"telegram": settings.telegram_enabled, "whatsapp": settings.whatsapp_enabled,
               "email": settings.email_enabled}
    if enabled.get(channel, True):
        return None
    return f"{channel} is not configured (set {CHANNEL_SETTINGS[channel]})"


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


async def summary(database: Database, settings: Settings) -> Summary:
    """Messages not yet delivered or given up on, grouped by channel, status and reason.
    Messages waiting to be sent on a channel these settings leave off wait for that."""
    async with database.transaction() as session:
        rows = (await session.execute(
            select(OutboxMessage.channel, OutboxMessage.status, OutboxMessage.error,
                   func.count())
            .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING,
                                             OutboxStatus.HELD, OutboxStatus.DEAD,
                                             OutboxStatus.FAILED]))
            .group_by(OutboxMessage.channel, OutboxMessage.status, OutboxMessage.error)
            .order_by(OutboxMessage.channel, OutboxMessage.status))).all()
    counted: Counter[tuple[str, str, str]] = Counter()
    for channel, status, error, count in rows:
        off = unconfigured(settings, channel) if status in WAITING else None
        counted[(channel, status.value, off or error or "")] += int(count)
    return Summary([(*key, n) for key, n in counted.items()])
