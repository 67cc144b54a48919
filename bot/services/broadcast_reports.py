"""What became of a broadcast: outbox rows counted by status, per language and channel,
and the "Useful / Not clear" answers per message and language."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, and_, cast, func, literal, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import permissions, schedule
from bot.services.permissions import Action, Actor
from bot.storage.broadcasts import Broadcast, BroadcastFeedback, BroadcastRecipient
from bot.storage.database import Database
from bot.storage.models import HealthMessage, OutboxMessage
from flows.views import BroadcastReportView

# Report columns, and the outbox statuses each counts ("unknown": the process died while
# sending and the platform keeps no record, so it is neither resent nor called sent).
COLUMNS: dict[str, tuple[str, ...]] = {
    "queued": ("pending", "sending"),
    "sent": ("sent",),
    "delivered": ("delivered",),
    "read": ("read",),
    "failed": ("failed", "dead"),
    "waiting_for_template": ("held",),
    "unknown": ("unknown",),
    "cancelled": ("cancelled",),
}
COLUMN_OF = {status: column for column, statuses in COLUMNS.items() for status in statuses}
# The text report's column headings, nine characters at most.
HEADINGS = {"waiting_for_template": "template"}


@dataclass
class Report:
    broadcast_id: int
    status: str
    late: bool
    at: datetime | None
    started_at: datetime | None
    held_until: datetime | None = None  # held for quiet hours: it starts then
    recipients: int = 0
    # Recipients who asked to be forgotten since: their messages are gone, so they are in
    # ``recipients`` but in no count by language or channel.
    forgotten: int = 0
    by_language: dict[str, Counter[str]] = field(default_factory=dict)
    by_channel: dict[str, Counter[str]] = field(default_factory=dict)
    feedback: dict[str, Counter[str]] = field(default_factory=dict)  # language → answers
    repeat: str | None = None  # weekly | monthly: ``at`` is the next time
    source: int | None = None  # a copy: the repeating broadcast it is one time of
    copies: list[Report] = field(default_factory=list)  # repeating: each time, oldest first

    @property
    def latest(self) -> Report | None:
        """A repeating broadcast's last copy (the last time it went out)."""
        return self.copies[-1] if self.copies else None

    @property
    def totals(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for counts in self.by_language.values():
            total.update(counts)
        return total

    def to_dict(self) -> dict[str, Any]:
        def full(counts: Counter[str]) -> dict[str, int]:
            return {column: counts.get(column, 0) for column in COLUMNS}

        return {"broadcast": self.broadcast_id, "status": self.status, "late": self.late,
                "at": self.at.isoformat() if self.at else None,
                "started_at": self.started_at.isoformat() if self.started_at else None,
                "held_until": self.held_until.isoformat() if self.held_until else None,
                "recipients": self.recipients, "forgotten": self.forgotten,
                "totals": full(self.totals),
                "by_language": {k: full(v) for k, v in sorted(self.by_language.items())},
                "by_channel": {k: full(v) for k, v in sorted(self.by_channel.items())},
                "feedback": {k: {"useful": v.get("useful", 0), "unclear": v.get("unclear", 0)}
                             for k, v in sorted(self.feedback.items())},
                "repeat": self.repeat, "source": self.source,
                "copies": [copy.to_dict() for copy in self.copies]}


async def report(database: Database, actor: Actor, broadcast_id: int, now: datetime) -> Report:
    """LookupError if there is no such broadcast; Forbidden if ``actor`` may not see it."""
    async with database.transaction() as session:
        return await report_in(session, actor, broadcast_id, now)


async def report_in(session: AsyncSession, actor: Actor, broadcast_id: int, now: datetime
                    ) -> Report:
    """``report`` in the caller's transaction (a dashboard page)."""
    permissions.require(session, actor, Action.VIEW_BROADCASTS, None, now)
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise LookupError(f"no broadcast {broadcast_id}")
    result = await _counted(session, broadcast)
    if broadcast.repeat:
        # Each time it goes out is a copy of its own (see schedule.occurrence).
        for copy in await session.scalars(select(Broadcast).where(
                Broadcast.parent_id == broadcast.id).order_by(Broadcast.id)):
            result.copies.append(await _counted(session, copy))
    return result


async def _counted(session: AsyncSession, broadcast: Broadcast) -> Report:
    result = Report(broadcast.id, broadcast.status.value, broadcast.late, broadcast.at,
                    broadcast.started_at, schedule.held_until(broadcast),
                    repeat=broadcast.repeat, source=broadcast.parent_id)
    await _count_rows(session, result)
    result.feedback = await _feedback(session, BroadcastFeedback.broadcast_id == broadcast.id)
    return result


async def _count_rows(session: AsyncSession, result: Report) -> None:
    # The raw status text, so a status another part of the system adds is still counted.
    status = type_coerce(OutboxMessage.status, String)
    rows = await session.execute(
        select(BroadcastRecipient.language, OutboxMessage.channel, status, func.count())
        .join(BroadcastRecipient, and_(
            BroadcastRecipient.broadcast_id == OutboxMessage.broadcast_id,
            BroadcastRecipient.person_id == OutboxMessage.person_id))
        .where(OutboxMessage.broadcast_id == result.broadcast_id)
        .group_by(BroadcastRecipient.language, OutboxMessage.channel, status))
    for language, channel, state, count in rows:
        column = COLUMN_OF.get(str(state), str(state))
        result.by_language.setdefault(str(language), Counter())[column] += int(count)
        result.by_channel.setdefault(str(channel), Counter())[column] += int(count)
    result.recipients = int(await session.scalar(
        select(func.count()).select_from(BroadcastRecipient)
        .where(BroadcastRecipient.broadcast_id == result.broadcast_id)) or 0)
    counted = sum(sum(counts.values()) for counts in result.by_language.values())
    # Erasure deletes a person's messages (bot.services.privacy): nothing else leaves a
    # recipient of a started broadcast without one.
    result.forgotten = max(0, result.recipients - counted) if result.started_at else 0


async def _feedback(session: AsyncSession, condition: Any) -> dict[str, Counter[str]]:
    found: dict[str, Counter[str]] = {}
    for language, answer, count in await session.execute(
            select(BroadcastFeedback.language, BroadcastFeedback.answer, func.count())
            .where(condition).group_by(BroadcastFeedback.language, BroadcastFeedback.answer)):
        found.setdefault(str(language), Counter())[str(answer)] += int(count)
    return found


@dataclass(frozen=True)
class MessageFeedback:
    message: str  # a library message's id (slug), or "broadcast N" for a message written anew
    language: str
    useful: int
    unclear: int


async def feedback_by_message(database: Database, actor: Actor, now: datetime
                              ) -> list[MessageFeedback]:
    """Answers counted per message and language (`champbot messages feedback`)."""
    async with database.transaction() as session:
        permissions.require(session, actor, Action.VIEW_BROADCASTS, None, now)
        key = func.coalesce(HealthMessage.slug,
                            literal("broadcast ") + cast(BroadcastFeedback.broadcast_id, String))
        rows = await session.execute(
            select(key, BroadcastFeedback.language, BroadcastFeedback.answer, func.count())
            .outerjoin(HealthMessage, HealthMessage.id == BroadcastFeedback.library_message_id)
            .group_by(key, BroadcastFeedback.language, BroadcastFeedback.answer))
        counts: dict[tuple[str, str], Counter[str]] = {}
        for message, language, answer, count in rows:
            counts.setdefault((str(message), str(language)), Counter())[str(answer)] += int(count)
    return [MessageFeedback(message, language, c.get("useful", 0), c.get("unclear", 0))
            for (message, language), c in sorted(counts.items())]


def table(result: Report) -> list[str]:
    """The report as text lines (`champbot broadcast report ID`); for a repeating
    broadcast, each time it went out and the last time's report."""
    if result.repeat:
        return _repeating(result)
    head = f"broadcast {result.broadcast_id}: {result.status}, {result.recipients} recipient(s)"
    if result.source is not None:
        head += f", one time of repeating broadcast {result.source}"
    if result.late:
        head += ", sent LATE (its time passed while champbot was not running)"
    if result.held_until is not None:
        head += (f", held for quiet hours: it starts at "
                 f"{result.held_until.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
    if result.forgotten:
        head += (f"; {result.forgotten} of them asked to be forgotten since (their messages "
                 "are no longer counted)")
    columns = list(COLUMNS)
    lines = [head, ""]
    for title, groups in (("language", result.by_language), ("channel", result.by_channel)):
        lines.append(f"{title:<10}" + "".join(f"{HEADINGS.get(c, c):>10}" for c in columns))
        for name, counts in sorted(groups.items()):
            lines.append(f"{name:<10}" + "".join(f"{counts.get(c, 0):>10}" for c in columns))
        lines.append("")
    lines.append("feedback  " + "".join(f"{c:>10}" for c in ("useful", "not clear")))
    for language, answers in sorted(result.feedback.items()):
        lines.append(f"{language:<10}{answers.get('useful', 0):>10}{answers.get('unclear', 0):>10}")
    return lines


def _repeating(result: Report) -> list[str]:
    head = f"broadcast {result.broadcast_id}: {result.status}, repeats {result.repeat}"
    moment = result.held_until or result.at
    if result.status == "scheduled" and moment is not None:
        head += f", next at {moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if result.held_until is not None:
        head += " (held for quiet hours)"
    times = len(result.copies)
    lines = [head + f"; it went out {times} time(s)" + (":" if times else ""), ""]
    if not result.copies:
        return lines[:1]
    columns = list(COLUMNS)
    lines.append(f"{'copy':<6}{'when (UTC)':<18}{'recipients':>10}"
                 + "".join(f"{HEADINGS.get(c, c):>10}" for c in columns))
    for copy in result.copies:
        moment = copy.started_at or copy.at
        when = f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}" if moment else "-"
        totals = copy.totals
        lines.append(f"{copy.broadcast_id:<6}{when:<18}{copy.recipients:>10}"
                     + "".join(f"{totals.get(c, 0):>10}" for c in columns))
    latest = result.latest
    assert latest is not None
    return [*lines, "", "the last time:", *table(latest)]


async def latest(session: AsyncSession) -> BroadcastReportView | None:
    """The most recently started broadcast's report, for the coordinator's chat."""
    broadcast = await session.scalar(select(Broadcast).where(Broadcast.started_at.is_not(None))
                                     .order_by(Broadcast.started_at.desc(), Broadcast.id.desc())
                                     .limit(1))
    if broadcast is None:
        return None
    result = Report(broadcast.id, broadcast.status.value, broadcast.late, broadcast.at,
                    broadcast.started_at)
    await _count_rows(session, result)
    feedback = await _feedback(session, BroadcastFeedback.broadcast_id == broadcast.id)
    return BroadcastReportView(
        broadcast.id, result.recipients, broadcast.late,
        {code: dict(counts) for code, counts in result.by_language.items()},
        {code: dict(counts) for code, counts in feedback.items()})


async def recipient_counts(session: AsyncSession) -> dict[int, int]:
    """How many people each started broadcast was written to (broadcast id → count)."""
    rows = await session.execute(
        select(BroadcastRecipient.broadcast_id, func.count())
        .group_by(BroadcastRecipient.broadcast_id))
    return {int(broadcast): int(count) for broadcast, count in rows}
