"""A partner service's email contact asks for a dashboard sign-in link by email.

The address must be on an active partner's record; the visitor is never told whether it
is. The first time, the address gets a web-only partner contact (a person with the email
identity), so that a session has someone to belong to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.tokens import make_signin_link
from bot.services import audit, emails, identities, partners
from bot.settings import Settings
from bot.storage.models import Partner, Person, Role, Status
from flows.i18n import _, language


async def _partner_of(session: AsyncSession, address: str) -> Partner | None:
    for partner in await partners.active(session):
        if address in (str(e).lower() for e in partner.emails or ()):
            return partner
    return None


async def _contact(session: AsyncSession, partner: Partner, address: str, now: datetime
                   ) -> Person | None:
    identity = await identities.find_or_create(session, emails.CHANNEL, address, now)
    if identity.person_id is not None:
        person = await session.get(Person, identity.person_id)
        ours = (person is not None and person.role is Role.PARTNER
                and person.partner_id == partner.id and person.status is Status.ACTIVE)
        return person if ours else None
    person = Person(role=Role.PARTNER, status=Status.ACTIVE, language=partner.language,
                    partner_id=partner.id, topics=[], created_at=now, updated_at=now)
    session.add(person)
    await session.flush()
    identity.person_id = person.id
    return person


async def email_link(session: AsyncSession, settings: Settings, base_url: str, address: str,
                     now: datetime) -> bool:
    """Email a one-time sign-in link to ``address`` if a partner lists it; whether one went
    (for tests and the audit log, never for the visitor)."""
    try:
        address = emails.normalise(address)
    except emails.InvalidAddress:
        return False
    partner = await _partner_of(session, address)
    person = await _contact(session, partner, address, now) if partner else None
    if partner is None or person is None:
        audit.record(session, "web", "signin_email_refused", None, now)
        return False
    link = await make_signin_link(session, settings, base_url, person.id, now)
    with language(partner.language):
        subject = _("Your link to the dashboard")
        text = _("Here is your link to the dashboard. It works once, for 15 minutes; "
                 "do not share it.\n{link}", link=link)
    await emails.enqueue_email(session, address, subject, text, now=now, kind="reply",
                               language=partner.language, person_id=person.id)
    audit.record(session, "web", "signin_link_emailed", person.id, now)
    return True
