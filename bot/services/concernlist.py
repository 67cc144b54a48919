"""Concerns for the command line: a list (open, overdue, by area) and one in full."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import concern_media, escalations, followups, media_links, partners
from bot.settings import Settings
from bot.storage.models import (
    OPEN,
    Area,
    Concern,
    ConcernUpdate,
    Escalation,
    EscalationChange,
    MediaState,
    Partner,
)


async def _escalations(session: AsyncSession, concern_ids: list[int]
                       ) -> dict[int, list[tuple[Escalation, Partner | None]]]:
    found: dict[int, list[tuple[Escalation, Partner | None]]] = {}
    for escalation, partner in (await session.execute(
            select(Escalation, Partner).outerjoin(Partner, Partner.id == Escalation.partner_id)
            .where(Escalation.concern_id.in_(concern_ids)).order_by(Escalation.id))).all():
        found.setdefault(escalation.concern_id, []).append((escalation, partner))
    return found


async def listing(session: AsyncSession, settings: Settings, now: datetime, *,
                  open_only: bool = False, overdue_only: bool = False,
                  areas: Sequence[str] = ()) -> list[str]:
    query = (select(Concern, Area.name).outerjoin(Area, Area.id == Concern.area_id)
             # A red flag's record counts before the champion confirms it: it is urgent.
             .where(or_(Concern.confirmed.is_(True), Concern.red_flag.is_not(None)))
             .order_by(Concern.created_at, Concern.id))
    if areas:
        _every, ids = await partners.area_ids(session, areas)
        if ids:
            query = query.where(Concern.area_id.in_(ids))
    rows = (await session.execute(query)).all()
    routed = await _escalations(session, [c.id for c, _ in rows])
    zone = settings.zone
    lines = [f"{'ref':<8}{'raised':<12}{'category':<16}{'area':<18}{'urgency':<10}"
             "status / escalations"]
    for concern, area in rows:
        mine = routed.get(concern.id, [])
        open_ones = [(e, p) for e, p in mine if e.status in OPEN]
        late = [(e, p) for e, p in open_ones if followups.overdue(e, p, settings, now)]
        if (open_only and not open_ones) or (overdue_only and not late):
            continue
        shown = "; ".join(
            f"{p.name if p else 'needs routing'}: {e.status.value}"
            + (" (overdue)" if (e, p) in late else "") for e, p in mine)
        lines.append(f"{concern.reference:<8}{concern.created_at.astimezone(zone):%Y-%m-%d}  "
                     f"{concern.category[:15]:<16}{(area or '-')[:17]:<18}"
                     f"{concern.urgency[:9]:<10}{concern.status.value} | {shown or '-'}")
    return lines


async def show(session: AsyncSession, settings: Settings, reference: str,
               now: datetime | None = None) -> list[str]:
    if reference.strip().isdigit():  # "1001": the number of C-1001, typed without its C
        reference = f"C-{reference.strip()}"
    number = escalations.concern_id(reference)
    concern = await session.get(Concern, number) if number else None
    if concern is None:
        raise LookupError(f"no concern {reference} (references look like C-1001)")
    zone = settings.zone
    area = await session.get(Area, concern.area_id) if concern.area_id else None
    lines = [
        f"{concern.reference}  {concern.category}  {area.name if area else '-'}  "
        f"urgency {concern.urgency}  affects {concern.affects or '-'}  status "
        f"{concern.status.value}",
        f"raised {concern.created_at.astimezone(zone):%Y-%m-%d %H:%M}; contact allowed: "
        f"{'yes' if concern.contact_ok else 'no'}",
        f"“{concern.description}”" if concern.description else "(no words kept)",
        "", "What the champion has been told:",
    ]
    for update in await session.scalars(select(ConcernUpdate).where(
            ConcernUpdate.concern_id == concern.id).order_by(ConcernUpdate.id)):
        lines.append(f"  {update.created_at.astimezone(zone):%Y-%m-%d %H:%M}  "
                     f"{update.status.value:<13}{update.by_role:<12}{update.note or ''}")
    for escalation, partner in (await _escalations(session, [concern.id])).get(concern.id, []):
        to = partner.name if partner else "coordinators (needs routing)"
        lines += ["", f"Escalation {escalation.id} to {to}: {escalation.status.value}"
                  f"{' (urgent)' if escalation.urgent else ''}"]
        for change in await session.scalars(select(EscalationChange).where(
                EscalationChange.escalation_id == escalation.id).order_by(EscalationChange.id)):
            lines.append(f"  {change.created_at.astimezone(zone):%Y-%m-%d %H:%M}  "
                         f"{change.status.value:<13}{change.actor:<14}{change.note or ''}")
    return lines + await _attachments(session, settings, concern, now)


async def _attachments(session: AsyncSession, settings: Settings, concern: Concern,
                       now: datetime | None) -> list[str]:
    """Each file sent with the concern: kind, type, size, state and a signed link (for the
    operator, valid ``media_links.VALID_FOR``) while it is kept."""
    rows = await concern_media.of_concern(session, concern.id)
    if not rows:
        return []
    signing = settings.secret_key is not None and bool(settings.public_base_url)
    lines = ["", "Attachments:"]
    for row in rows:
        size = _size(row.size)
        line = (f"  {row.id:>4}  {row.kind:<9}{row.content_type or '-':<18}{size:>9}  "
                f"{row.state.value}")
        if row.state is MediaState.STORED and signing and now is not None:
            line += "  " + media_links.url_for(settings, row.id, now=now)
        elif row.state is MediaState.STORED:
            line += "  (set SECRET_KEY and PUBLIC_BASE_URL for a link)"
        lines.append(line)
    return lines


def _size(size: int | None) -> str:
    if size is None:
        return "-"
    if size < 1024:
        return f"{size} B"
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"
