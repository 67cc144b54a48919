"""Partner services: who they are, what they handle, where, and how to reach them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import emails, invites
from bot.services.problems import Count, Problem
from bot.storage.models import (
    Area,
    Identity,
    Partner,
    PartnerArea,
    PartnerCategory,
    Person,
    Role,
    Status,
)
from flows.definitions.concern import CATEGORIES
from flows.i18n import N_
from flows.languages import CODES

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_NAME = 120  # the partners.name column
WORK_START, WORK_END = "09:00", "17:00"  # a new partner's working hours (the columns' defaults)


class Unknown(Problem):
    """A value a partner cannot have (an unknown category or area, a time that is not
    one...): said in each interface's own way (bot.services.problems)."""


@dataclass(frozen=True)
class Changes:
    """What ``add`` or ``edit`` sets; None leaves a value as it is."""

    name: str | None = None
    categories: Sequence[str] | None = None
    # Ids, codes or names; "all" for every area (the default of a new partner); never none.
    areas: Sequence[str] | None = None
    emails: Sequence[str] | None = None
    digest_time: str | None = None
    language: str | None = None
    work_days: str | None = None  # ISO weekdays, e.g. "12345"
    work_start: str | None = None
    work_end: str | None = None


def category_ids(values: Sequence[str]) -> list[str]:
    """Categories by id or English name, any case."""
    known = {o.id.casefold(): o.id for o in CATEGORIES}
    known |= {o.label.casefold(): o.id for o in CATEGORIES}
    found: list[str] = []
    for value in values:
        category = known.get(value.strip().casefold())
        if category is None:
            valid = ", ".join(f"{o.id} ({o.label})" for o in CATEGORIES)
            raise Unknown(N_("There is no category “{value}”. The categories are: {valid}."),
                          about="category", value=value, valid=valid)
        if category not in found:
            found.append(category)
    return found


async def area_ids(session: AsyncSession, values: Sequence[str]) -> tuple[bool, list[int]]:
    """Areas by id, code or name, any case; ``all`` means every area."""
    if any(v.strip().casefold() == "all" for v in values):
        return True, []
    areas = list(await session.scalars(select(Area).order_by(Area.name)))
    found: list[int] = []
    for value in values:
        wanted = value.strip().casefold()
        match = next((a for a in areas if wanted in (str(a.id), a.code.casefold(),
                                                     a.name.casefold())), None)
        if match is None:
            valid = ", ".join(f"{a.id} ({a.name})" for a in areas) or "(no areas yet)"
            raise Unknown(N_("There is no area “{value}”. The areas are: {valid}, or all."),
                          about="area", value=value, valid=valid)
        if match.id not in found:
            found.append(match.id)
    return False, found


def _check(changes: Changes) -> None:
    for message, value, about in (
            (N_("The digest time “{value}” is not a time like 08:30."), changes.digest_time,
             "digest_time"),
            (N_("The start of working hours “{value}” is not a time like 08:30."),
             changes.work_start, "start"),
            (N_("The end of working hours “{value}” is not a time like 17:30."),
             changes.work_end, "end")):
        if value is not None and not TIME.match(value):
            raise Unknown(message, about=about, value=value)
    if changes.language is not None and changes.language not in CODES:
        raise Unknown(N_("There is no language “{value}”. The languages are: {valid}."),
                      about="language", value=changes.language, valid=", ".join(CODES))
    if changes.work_days is not None and (
            not changes.work_days or not set(changes.work_days) <= set("1234567")):
        raise Unknown(N_("Working days are numbers from 1 (Monday) to 7 (Sunday): 12345 is "
                         "Monday to Friday."), about="days")
    for email in changes.emails or ():
        # The rule the email channel sends by: an address it would refuse is refused here.
        try:
            emails.normalise(email)
        except emails.AddressTooLong:
            raise Unknown(N_("The email address “{address}” is too long: an address can "
                             "have at most {count} characters."), about="email",
                          address=email.strip(), count=Count(emails.MAX_ADDRESS)) from None
        except emails.InvalidAddress:
            raise Unknown(N_("“{address}” is not an email address."), about="email",
                          address=email.strip()) from None
    name = None if changes.name is None else changes.name.strip()
    if name is not None and not name:
        raise Unknown(N_("A partner needs a name."), about="name")
    if name is not None and len(name) > MAX_NAME:
        raise Unknown(N_("A partner's name can have at most {count} characters; this one has "
                         "{length}."), about="name", count=Count(MAX_NAME),
                      length=Count(len(name)))


@dataclass(frozen=True)
class _Checked:
    """What ``changes`` resolve to, found before anything is written."""

    changes: Changes
    categories: list[str] | None
    areas: tuple[bool, list[int]] | None


async def _checked(session: AsyncSession, changes: Changes, partner: Partner | None
                   ) -> _Checked:
    """Every value checked and resolved, or Unknown: a refused change changes nothing."""
    _check(changes)
    start = changes.work_start or (partner.work_start if partner else WORK_START)
    end = changes.work_end or (partner.work_end if partner else WORK_END)
    if (changes.work_start or changes.work_end) and end <= start:
        # Working hours are a span within one day: nothing reads them as running overnight.
        raise Unknown(N_("Working hours end after they start, on the same day: {start} to "
                         "{end} does not."), about="hours", start=start, end=end)
    if changes.categories is not None and not changes.categories:
        raise Unknown(N_("A partner handles at least one category."), about="category")
    if changes.areas is not None and not changes.areas:
        raise Unknown(N_("Choose at least one area, or all areas."), about="area")
    categories = category_ids(changes.categories) if changes.categories is not None else None
    areas = await area_ids(session, changes.areas) if changes.areas is not None else None
    return _Checked(changes, categories, areas)


async def _apply(session: AsyncSession, partner: Partner, checked: _Checked, now: datetime
                 ) -> None:
    changes = checked.changes
    for field in ("digest_time", "language", "work_days", "work_start", "work_end"):
        value = getattr(changes, field)
        if value is not None:
            setattr(partner, field, value)
    if changes.name is not None:
        partner.name = changes.name.strip()
    if changes.emails is not None:
        partner.emails = sorted({emails.normalise(e) for e in changes.emails})
    partner.updated_at = now
    await session.flush()
    if checked.categories is not None:
        await session.execute(delete(PartnerCategory).where(
            PartnerCategory.partner_id == partner.id))
        session.add_all(PartnerCategory(partner_id=partner.id, category=c)
                        for c in checked.categories)
    if checked.areas is not None:
        partner.all_areas, ids = checked.areas
        await session.execute(delete(PartnerArea).where(PartnerArea.partner_id == partner.id))
        session.add_all(PartnerArea(partner_id=partner.id, area_id=a) for a in ids)
    await session.flush()


async def add(session: AsyncSession, changes: Changes, now: datetime,
              default_language: str = "en") -> Partner:
    """A new partner; Unknown, with nothing added, if any value is wrong."""
    checked = await _checked(session, replace(
        changes, name=changes.name or "", categories=changes.categories or [],
        areas=["all"] if changes.areas is None else changes.areas), None)
    partner = Partner(name="", language=default_language, all_areas=False, emails=[],
                      work_start=WORK_START, work_end=WORK_END, created_at=now,
                      updated_at=now)
    session.add(partner)
    await _apply(session, partner, checked, now)
    return partner


async def get(session: AsyncSession, partner_id: int, *, removed: bool = False) -> Partner:
    partner = await session.get(Partner, partner_id)
    if partner is None or (partner.removed_at is not None and not removed):
        raise LookupError(f"no partner with id {partner_id}")
    return partner


async def edit(session: AsyncSession, partner_id: int, changes: Changes, now: datetime
               ) -> Partner:
    """Change what ``changes`` sets; Unknown, with nothing changed, if any value is wrong."""
    partner = await get(session, partner_id)
    await _apply(session, partner, await _checked(session, changes, partner), now)
    return partner


@dataclass(frozen=True)
class Removed:
    partner: Partner
    returned: int  # open concerns sent back to the coordinators, to route elsewhere
    codes_withdrawn: int = 0  # its invite codes that could still have been used


async def remove(session: AsyncSession, partner_id: int, now: datetime,
                 actor: str = "operator") -> Removed:
    """No new escalations reach a removed partner, and its contacts lose partner access
    (permissions.acts_for); its unused invite codes are withdrawn, so no one new joins as
    its contact; the concerns it held go back to the coordinators to route
    (escalations.partner_removed); its history stays. ``actor``: who removed it, for the
    concerns' history."""
    from bot.services import escalations  # escalations imports this module

    partner = await get(session, partner_id)
    partner.removed_at = now
    partner.updated_at = now
    withdrawn = await invites.withdraw_for_partner(session, partner.id, now)
    return Removed(partner, await escalations.partner_removed(session, partner, actor, now),
                   withdrawn)


async def categories_of(session: AsyncSession, partner_id: int) -> list[str]:
    return list(await session.scalars(select(PartnerCategory.category).where(
        PartnerCategory.partner_id == partner_id).order_by(PartnerCategory.category)))


async def areas_of(session: AsyncSession, partner: Partner) -> list[Area]:
    """The areas a partner covers (every area when it covers all)."""
    query = select(Area).order_by(Area.name)
    if not partner.all_areas:
        query = query.join(PartnerArea, PartnerArea.area_id == Area.id).where(
            PartnerArea.partner_id == partner.id)
    return list(await session.scalars(query))


async def active(session: AsyncSession) -> list[Partner]:
    return list(await session.scalars(select(Partner).where(Partner.removed_at.is_(None))
                                      .order_by(Partner.name, Partner.id)))


async def matching(session: AsyncSession, category: str, area_id: int | None) -> list[Partner]:
    """Routing is this query: active partners handling the category in the area."""
    covers = or_(Partner.all_areas.is_(True), exists().where(
        PartnerArea.partner_id == Partner.id, PartnerArea.area_id == area_id))
    return list(await session.scalars(
        select(Partner).where(
            Partner.removed_at.is_(None),
            exists().where(PartnerCategory.partner_id == Partner.id,
                           PartnerCategory.category == category),
            covers)
        .order_by(Partner.id)))


async def of_contact(session: AsyncSession, person: Person) -> Partner | None:
    """A partner's contact's organisation, removed or not; None for anyone else."""
    if person.role is not Role.PARTNER or person.partner_id is None:
        return None
    return await session.get(Partner, person.partner_id)


async def contacts(session: AsyncSession, partner_id: int) -> list[tuple[Person, Identity]]:
    """Reachable chat identities of the partner's active contacts."""
    return [(p, i) for p, i in (await session.execute(
        select(Person, Identity).join(Identity, Identity.person_id == Person.id)
        .where(Person.partner_id == partner_id, Person.role == Role.PARTNER,
               Person.status == Status.ACTIVE, Identity.unreachable_at.is_(None),
               # Email contacts (dashboard sign-in) are reached through Partner.emails.
               Identity.channel != "email",
               Identity.opted_out_at.is_(None))
        .order_by(Person.id, Identity.id))).all()]


async def listing(session: AsyncSession) -> list[str]:
    lines = [f"{'id':>4}  {'name':<28}{'language':<9}{'digest':<7}categories / areas / email"]
    for partner in await active(session):
        areas = "all" if partner.all_areas else ", ".join(
            a.name for a in await areas_of(session, partner)) or "-"
        lines.append(
            f"{partner.id:>4}  {partner.name[:27]:<28}{partner.language:<9}"
            f"{partner.digest_time:<7}{', '.join(await categories_of(session, partner.id))}"
            f" / {areas} / {', '.join(partner.emails) or '-'}")
    return lines
