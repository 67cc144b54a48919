"""Partner digests: what is new, what is still open, and patterns, at the partner's digest
time on working days. The content is a ``Digest``; chat and email render it apart."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import casenotes, concern_media, outbox, partner_mail, partners
from bot.services.caseviews import contacts_of
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import OPEN, Area, Concern, Escalation, Partner, concern_reference
from flows.i18n import _, language, number
from flows.types import Reply

THRESHOLD = 3  # concerns of one category in one area within a week


@dataclass(frozen=True)
class Item:
    reference: str
    category: str
    area: str | None
    urgency: str
    affects: str | None
    words: str | None
    contact: str | None  # only when the champion agreed
    status: str
    raised_at: datetime
    escalation_id: int
    files: tuple[tuple[int, str], ...] = ()  # (attachment id, kind) of its photos, voice notes


@dataclass(frozen=True)
class Pattern:
    category: str
    area: str
    last_30: int
    previous_30: int
    last_7: int

    @property
    def trend(self) -> str:
        if self.last_30 > self.previous_30:
            return "rising"
        return "falling" if self.last_30 < self.previous_30 else "steady"

    @property
    def crossed(self) -> bool:
        return self.last_7 >= THRESHOLD


@dataclass(frozen=True)
class Digest:
    partner_id: int
    partner: str
    language: str
    made_at: datetime
    new: tuple[Item, ...]
    still_open: tuple[Item, ...]
    patterns: tuple[Pattern, ...]

    @property
    def empty(self) -> bool:
        return not (self.new or self.still_open or self.patterns)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["made_at"] = self.made_at.isoformat()
        for item in (*data["new"], *data["still_open"]):
            item["raised_at"] = item["raised_at"].isoformat()
        for shown, pattern in zip(data["patterns"], self.patterns, strict=True):
            shown.update(trend=pattern.trend, crossed=pattern.crossed)
        return data


async def _items(session: AsyncSession, partner: Partner, new: bool) -> tuple[Item, ...]:
    # Columns, not ORM objects: a partner may have hundreds of open escalations.
    digested = Escalation.digested_at.is_(None) if new else Escalation.digested_at.is_not(None)
    rows = (await session.execute(
        select(Escalation.id, Escalation.status, Concern.id, Concern.category, Area.name,
               Concern.urgency, Concern.affects, Concern.description, Concern.contact_ok,
               Concern.person_id, Concern.created_at)
        .join(Concern, Concern.id == Escalation.concern_id)
        .outerjoin(Area, Area.id == Concern.area_id)
        .where(Escalation.partner_id == partner.id, Escalation.status.in_(OPEN), digested)
        .order_by(Escalation.created_at, Escalation.id))).all()
    files = await concern_media.of_concerns(session, (row[2] for row in rows))
    contacts = await contacts_of(session, (row[9] for row in rows
                                           if row[8] and row[9] is not None))
    return tuple(Item(concern_reference(concern_id), category, area, urgency, affects, words,
                      contacts.get(person_id) if contact_ok and person_id is not None else None,
                      status.value, raised_at, escalation_id,
                      concern_media.linkable(files.get(concern_id, ())))
                 for (escalation_id, status, concern_id, category, area, urgency, affects, words,
                      contact_ok, person_id, raised_at) in rows)


async def patterns(session: AsyncSession, partner: Partner, now: datetime
                   ) -> tuple[Pattern, ...]:
    """Per category × area the partner handles: the last 30 days against the 30 before."""
    categories = await partners.categories_of(session, partner.id)
    areas = {a.id: a.name for a in await partners.areas_of(session, partner)}

    def between(start: timedelta, end: timedelta) -> Any:
        return func.sum(case((and_(Concern.created_at >= now - start,
                                   Concern.created_at < now - end), 1), else_=0))

    rows = (await session.execute(
        select(Concern.category, Concern.area_id, between(timedelta(days=30), timedelta(0)),
               between(timedelta(days=60), timedelta(days=30)),
               between(timedelta(days=7), timedelta(0)))
        .where(Concern.confirmed.is_(True), Concern.category.in_(categories),
               Concern.area_id.in_(list(areas)), Concern.created_at >= now - timedelta(days=60),
               Concern.created_at < now)
        .group_by(Concern.category, Concern.area_id)
        .order_by(Concern.category, Concern.area_id))).all()
    return tuple(Pattern(category, areas[area], int(last or 0), int(before or 0), int(week or 0))
                 for category, area, last, before, week in rows)


async def build(session: AsyncSession, partner: Partner, now: datetime) -> Digest:
    return Digest(partner.id, partner.name, partner.language, now,
                  await _items(session, partner, new=True),
                  await _items(session, partner, new=False),
                  await patterns(session, partner, now))


def render_chat(digest: Digest, settings: Settings | None = None) -> str:
    """The short chat digest, in the current language: one line per item, and a signed
    link to each of its photos and voice notes when ``settings`` can make them."""
    def line(item: Item) -> str:
        flag = "‼️ " if item.urgency == "at_risk" else ""
        files = concern_media.partner_links(settings, item.files, digest.partner_id,
                                            digest.made_at, partner_mail.MEDIA_VALID)
        return (f"{flag}{item.reference} · {casenotes.category(item.category)} · "
                f"{item.area or '-'} · {casenotes.affects(item.affects)}"
                + (f"\n  “{casenotes.excerpt(item.words)[:160]}”" if item.words else "")
                + "".join(f"\n  {label}: {address}" for label, address in files))

    lines = [_("Digest for {partner}", partner=digest.partner)]
    if digest.new:
        lines += ["", _("New: {count}", count=number(len(digest.new)))]
        lines += [line(item) for item in digest.new]
    if digest.still_open:
        lines += ["", _("Still open, oldest first: {count}",
                        count=number(len(digest.still_open)))]
        lines += [line(item) for item in digest.still_open]
    if digest.patterns:
        lines += ["", _("Patterns (last 30 days against the 30 before):")]
        lines += [casenotes.pattern_line(p) for p in digest.patterns]
    lines += ["", _("Send ACK and a reference (ACK C-1042) to acknowledge one, or open them "
                    "from the menu.")]
    return "\n".join(lines)


async def send(session: AsyncSession, partner: Partner, now: datetime,
               settings: Settings | None = None) -> Digest:
    """Write the digest to every contact (chat) and address (email: text, HTML, CSV and
    signed links when ``settings`` can make them); mark what it carried."""
    digest = await build(session, partner, now)
    partner.last_digest_at = now
    if digest.empty:
        return digest
    for person, identity in await partners.contacts(session, partner.id):
        with language(person.language):
            text = render_chat(digest, settings)
        outbox.enqueue(session, channel=identity.channel, address=identity.address,
                       reply=Reply(text, language=person.language), now=now, kind="digest",
                       person_id=person.id)
    await partner_mail.digest_email(session, settings, partner, digest, now)
    for escalation in await session.scalars(select(Escalation).where(
            Escalation.partner_id == partner.id, Escalation.digested_at.is_(None))):
        escalation.digested_at = now
    return digest


def last_slot(partner: Partner, now: datetime, zone: tzinfo) -> datetime | None:
    """The latest digest time on a working day at or before ``now``."""
    hour, minute = (int(part) for part in partner.digest_time.split(":"))
    local = now.astimezone(zone)
    for back in range(8):
        day = (local - timedelta(days=back)).date()
        if str(day.isoweekday()) not in partner.work_days:
            continue
        slot = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        if slot <= local:
            return slot.astimezone(now.tzinfo)
    return None


def is_due(partner: Partner, now: datetime, zone: tzinfo) -> bool:
    slot = last_slot(partner, now, zone)
    if slot is None or slot < partner.created_at:
        return False
    return partner.last_digest_at is None or partner.last_digest_at < slot


async def tick(database: Database, zone: tzinfo, now: datetime,
               settings: Settings | None = None) -> int:
    """Send every digest now due, each partner in its own transaction."""
    async with database.transaction() as session:
        due = [p.id for p in await partners.active(session) if is_due(p, now, zone)]
    sent = 0
    for partner_id in due:
        async with database.transaction() as session:
            partner = await session.scalar(select(Partner).where(Partner.id == partner_id)
                                           .with_for_update(skip_locked=True))
            if partner is not None and is_due(partner, now, zone):
                await send(session, partner, now, settings)
                sent += 1
    return sent
