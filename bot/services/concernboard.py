"""Concerns for the dashboard: the filtered list (the page and its CSV export read the same
rows: one per concern, with its latest escalation that matches) and one escalation in full,
each limited to what the actor may see: a coordinator the programme or their areas, a
partner their organisation's escalations."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import casenotes, caseviews, cells, followups, permissions
from bot.services.permissions import Action, Actor, Scope
from bot.services.roster import Page
from bot.settings import Settings
from bot.storage.models import (
    OPEN,
    Area,
    Attachment,
    Concern,
    Escalation,
    EscalationChange,
    EscalationStatus,
    Partner,
    Person,
    Role,
    Status,
)
from flows.definitions.casework import STATUS_LABELS
from flows.i18n import translate

PAGE_SIZE = 50
Rows = Select[Escalation, Concern, str, Partner]
STATUSES = ("open", *(s.value for s in EscalationStatus))


@dataclass(frozen=True)
class Filters:
    status: str = ""  # "open", an escalation status, or "" for any
    category: str = ""
    area_id: int | None = None
    urgency: str = ""
    older_than: int | None = None  # days since the concern was raised


@dataclass(frozen=True)
class Row:
    id: int  # the escalation's
    reference: str
    raised: datetime
    category: str
    area: str | None
    urgency: str
    partner: str | None  # None: waiting for a coordinator to route it
    status: str
    age_days: int
    overdue: bool
    urgent: bool


def _visible(query: Rows,
             actor: Actor) -> Rows:
    if actor.role is Role.PARTNER:
        return query.where(Escalation.partner_id == (actor.partner_id or -1))
    if actor.role is Role.COORDINATOR:
        return query.where(Concern.area_id.in_(actor.areas)) if actor.areas else query
    if actor.kind in ("operator", "system"):
        return query
    return query.where(Escalation.id == -1)  # nobody else sees any


def _query(actor: Actor, filters: Filters, now: datetime
           ) -> Rows:
    query = _visible(
        select(Escalation, Concern, Area.name, Partner)
        .join(Concern, Concern.id == Escalation.concern_id)
        .outerjoin(Area, Area.id == Concern.area_id)
        .outerjoin(Partner, Partner.id == Escalation.partner_id), actor)
    if filters.status == "open":
        query = query.where(Escalation.status.in_(OPEN))
    elif filters.status in STATUSES:
        query = query.where(Escalation.status == EscalationStatus(filters.status))
    if filters.category:
        query = query.where(Concern.category == filters.category)
    if filters.area_id is not None:
        query = query.where(Concern.area_id == filters.area_id)
    if filters.urgency:
        query = query.where(Concern.urgency == filters.urgency)
    if filters.older_than is not None:
        query = query.where(Concern.created_at <= now - timedelta(days=filters.older_than))
    return query


def _row(escalation: Escalation, concern: Concern, area: str | None, partner: Partner | None,
         settings: Settings, now: datetime) -> Row:
    return Row(escalation.id, concern.reference, concern.created_at, concern.category, area,
               concern.urgency, partner.name if partner else None, escalation.status.value,
               max(0, (now - concern.created_at).days),
               escalation.status in OPEN and followups.overdue(escalation, partner, settings,
                                                               now),
               escalation.urgent)


async def rows(session: AsyncSession, actor: Actor, settings: Settings, now: datetime,
               filters: Filters, page: int | None = 1) -> Page[Row]:
    """One page of the filtered list, newest first (``page`` None: every row, for export).
    A row is a concern: its latest escalation the actor sees that matches the filters (a
    concern routed again, or to several services, is still one concern)."""
    matching = _query(actor, filters, now)
    latest = matching.with_only_columns(func.max(Escalation.id)).group_by(
        Escalation.concern_id).correlate(None)  # its own tables, not the outer query's
    query = matching.where(Escalation.id.in_(latest))
    total = int(await session.scalar(select(func.count()).select_from(latest.subquery())) or 0)
    ordered = query.order_by(Escalation.created_at.desc(), Escalation.id.desc())
    size = PAGE_SIZE if page is not None else max(total, 1)
    number = max(1, min(page or 1, -(-total // size) or 1))
    found = (await session.execute(ordered.offset((number - 1) * size).limit(size))).all()
    return Page(tuple(_row(e, c, a, p, settings, now) for e, c, a, p in found), number, total,
                size)


def csv_text(found: Page[Row], settings: Settings) -> str:
    """The rows as CSV (labels in the current language)."""
    out = io.StringIO()
    writer = cells.Writer(out)
    writer.writerow(["reference", "raised", "category", "area", "urgency", "partner",
                     "status", "age_days", "overdue"])
    for row in found.items:
        writer.writerow([row.reference, row.raised.astimezone(settings.zone).isoformat(),
                         casenotes.category(row.category), row.area or "",
                         casenotes.urgency(row.urgency), row.partner or "",
                         translate(STATUS_LABELS.get(row.status, row.status)),
                         row.age_days, "yes" if row.overdue else "no"])
    return out.getvalue()


@dataclass(frozen=True)
class Case:
    escalation: Escalation
    concern: Concern
    area: str | None
    partner: Partner | None
    contact: str | None  # only when the champion agreed to be contacted
    forgotten: bool  # the champion asked to be forgotten: nobody to write to
    history: tuple[tuple[EscalationChange, str | None], ...]  # change, partner name
    attachments: tuple[Attachment, ...]
    # Who raised it, for coordinators only ("Your coordinator still sees that it came from
    # you", the concern flow promises): (person id, name), whether or not they may be
    # contacted by the service.
    raised_by: tuple[int, str] | None = None


async def case(session: AsyncSession, actor: Actor, escalation_id: int, now: datetime
               ) -> Case:
    """One escalation for ``actor``: LookupError if there is none, Forbidden (audited) if it
    is not theirs to see. A partner sees only their own escalation's history."""
    escalation = await session.get(Escalation, escalation_id)
    if escalation is None:
        raise LookupError(escalation_id)
    concern = await session.get(Concern, escalation.concern_id)
    if concern is None:
        raise LookupError(escalation_id)
    permissions.require(session, actor, Action.VIEW_ESCALATION,
                        Scope(area_id=concern.area_id, partner_id=escalation.partner_id,
                              person_id=concern.person_id), now)
    area = await session.get(Area, concern.area_id) if concern.area_id else None
    partner = await session.get(Partner, escalation.partner_id) if escalation.partner_id \
        else None
    changes = (select(EscalationChange, Partner.name)
               .join(Escalation, Escalation.id == EscalationChange.escalation_id)
               .outerjoin(Partner, Partner.id == Escalation.partner_id)
               .order_by(EscalationChange.created_at, EscalationChange.id))
    if actor.role is Role.PARTNER:
        changes = changes.where(EscalationChange.escalation_id == escalation.id)
    else:
        changes = changes.where(Escalation.concern_id == concern.id)
    history = tuple((c, n) for c, n in (await session.execute(changes)).all())
    attachments = tuple(await session.scalars(select(Attachment).where(
        Attachment.concern_id == concern.id).order_by(Attachment.id)))
    champion = await session.get(Person, concern.person_id) if concern.person_id else None
    forgotten = champion is not None and champion.status == Status.ERASED
    raised_by = None
    if champion is not None and not forgotten and actor.role is not Role.PARTNER:
        raised_by = (champion.id, champion.display_name or f"#{champion.id}")
    return Case(escalation, concern, area.name if area else None, partner,
                await caseviews.contact_of(session, concern), forgotten, history, attachments,
                raised_by)
