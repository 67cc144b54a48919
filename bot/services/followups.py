"""Follow-up of escalations nobody acknowledged: remind the partner once and tell the area's
coordinators, recorded on the escalation so a restart or a second tick sends nothing twice."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import casenotes, coordinators, partner_mail
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import Concern, Escalation, EscalationStatus, Partner
from flows.commands import first_word
from flows.i18n import _, language

WEEKDAYS = "12345"


def add_working_days(start: datetime, days: int, work_days: str, zone: tzinfo) -> datetime:
    """``days`` working days after ``start``, at the same local time."""
    local = start.astimezone(zone)
    moved = 0
    while moved < days:
        local += timedelta(days=1)
        if str(local.isoweekday()) in work_days:
            moved += 1
    return local.astimezone(start.tzinfo)


def due_at(escalation: Escalation, partner: Partner | None, settings: Settings) -> datetime:
    """When an unacknowledged escalation is overdue."""
    return due(escalation.created_at, escalation.urgent,
               partner.work_days if partner else None, settings)


def due(routed_at: datetime, urgent: bool, work_days: str | None, settings: Settings
        ) -> datetime:
    """When an escalation routed at ``routed_at`` to a partner working ``work_days``
    (weekdays if None) is overdue unless acknowledged."""
    if urgent:
        return routed_at + timedelta(hours=settings.urgent_acknowledge_hours)
    return add_working_days(routed_at, settings.follow_up_working_days,
                            WEEKDAYS if work_days is None else work_days, settings.zone)


def overdue(escalation: Escalation, partner: Partner | None, settings: Settings,
            now: datetime) -> bool:
    return escalation.status is EscalationStatus.NEW and due_at(
        escalation, partner, settings) <= now


def _unacknowledged(settings: Settings, now: datetime, *also: Any) -> Select[Any]:
    """Escalations still new and not yet followed up, old enough that one might be due
    (``overdue`` decides), with their concern (and ``also``), locked for this tick."""
    return (select(Escalation, Concern, *also)
            .join(Concern, Concern.id == Escalation.concern_id)
            .where(Escalation.status == EscalationStatus.NEW, Escalation.reminded_at.is_(None),
                   Escalation.created_at <= now - timedelta(hours=min(
                       settings.urgent_acknowledge_hours, 24)))
            .order_by(Escalation.id)
            .with_for_update(of=Escalation, skip_locked=True))


async def remind(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Send every follow-up now due, once; returns how many escalations were followed up."""
    rows = (await session.execute(
        _unacknowledged(settings, now, Partner)
        .join(Partner, Partner.id == Escalation.partner_id)
        .where(Partner.removed_at.is_(None)))).all()
    done = 0
    for escalation, concern, partner in rows:
        if not overdue(escalation, partner, settings, now):
            continue
        kind = "alert" if escalation.urgent else "notice"

        def heading(c: Concern = concern, p: Partner = partner) -> str:
            return _("Reminder: concern {reference} for {partner} has not been acknowledged "
                     "yet.", reference=c.reference, partner=p.name)

        await casenotes.alert_partner(session, partner, concern, now, heading, kind=kind)
        with language(partner.language):
            await partner_mail.alert(session, settings, partner, escalation.id, concern,
                                     heading(), now, kind=kind)
        escalation.reminded_at = now

        async def render(c: Concern = concern, p: Partner = partner) -> str:
            return "\n\n".join([_(
                "Concern {reference} has not been acknowledged by {partner} in time. They have "
                "been reminded.", reference=c.reference, partner=p.name),
                await casenotes.describe(session, c, coordinators=True)])

        await casenotes.notify(session, await coordinators.of_area(session, concern.area_id),
                               render, now, kind=kind,
                               about=concern.person_id)
        escalation.coordinators_told_at = now
        done += 1
    return done + await _remind_unrouted(session, settings, now)


async def _remind_unrouted(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """A concern no partner matched waits for a coordinator to route it: once it is as late
    as an unacknowledged escalation would be, the area's coordinators are reminded, once."""
    rows = (await session.execute(
        _unacknowledged(settings, now).where(Escalation.partner_id.is_(None)))).all()
    done = 0
    for escalation, concern in rows:
        if not overdue(escalation, None, settings, now):
            continue

        async def render(c: Concern = concern) -> str:
            return "\n\n".join([_(
                "Reminder: concern {reference} still needs routing to a partner service. "
                "Send {menu} and choose \"{choice}\".", reference=c.reference,
                menu=first_word("menu"), choice=_("Concerns needing routing")),
                await casenotes.describe(session, c, coordinators=True)])

        await casenotes.notify(session, await coordinators.of_area(session, concern.area_id),
                               render, now, kind="alert" if escalation.urgent else "notice",
                               about=concern.person_id)
        escalation.reminded_at = escalation.coordinators_told_at = now
        done += 1
    return done


async def tick(database: Database, settings: Settings, now: datetime) -> int:
    async with database.transaction() as session:
        return await remind(session, settings, now)


