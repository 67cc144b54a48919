"""A concern's photos and voice notes, going with it to the people who act on it.

Chat messages carry each kept file as a ``stored:`` Media ref naming the attachment and
the viewer (see ``media_links.ref``); each channel turns it into what it can send (the
file uploaded on Telegram, a signed link Twilio fetches on WhatsApp). A file still being
fetched is announced, and follows when it is kept (``follow_up``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import coordinators, identities, outbox, partners
from bot.services.media_links import ref
from bot.storage.models import OPEN, Attachment, Concern, Escalation, MediaState, Role
from flows.i18n import _, language, number
from flows.types import Media, Reply


async def of_concern(session: AsyncSession, concern_id: int) -> list[Attachment]:
    return list(await session.scalars(select(Attachment).where(
        Attachment.concern_id == concern_id).order_by(Attachment.id)))


def media_for(rows: list[Attachment], *, partner_id: int | None = None,
              coordinator_id: int | None = None) -> tuple[Media, ...]:
    """The kept files, as Media a channel can send to that viewer."""
    return tuple(Media(row.kind, ref(row.id, partner_id, coordinator_id), row.content_type)
                 for row in rows if row.state is MediaState.STORED and row.stored_as)


def waiting_line(rows: list[Attachment]) -> str | None:
    """Said in the current language when some files are still being fetched."""
    count = sum(1 for row in rows if row.state is MediaState.PENDING)
    if not count:
        return None
    return _("Photos or voice notes still being fetched: {count}. They will follow.",
             count=number(count))


async def follow_up(session: AsyncSession, attachment: Attachment, now: datetime) -> int:
    """A file just kept: sent to the contacts of each partner already alerted about its
    concern (urgent escalations still open) and to the coordinators told of it. Returns
    how many messages were written."""
    concern = await session.get(Concern, attachment.concern_id)
    if concern is None:
        return 0
    sent = 0
    for escalation in await session.scalars(select(Escalation).where(
            Escalation.concern_id == concern.id, Escalation.partner_id.is_not(None),
            Escalation.urgent.is_(True), Escalation.status.in_(OPEN))):
        assert escalation.partner_id is not None
        media = media_for([attachment], partner_id=escalation.partner_id)
        for person, identity in await partners.contacts(session, escalation.partner_id):
            with language(person.language):
                text = _("A file sent with concern {reference}:", reference=concern.reference)
            outbox.enqueue(session, channel=identity.channel, address=identity.address,
                           reply=Reply(text, language=person.language, media=media), now=now,
                           kind="alert", person_id=person.id,
                           about_person_id=concern.person_id)
            sent += 1
    return sent + await _to_coordinators(session, concern, attachment, now)


async def _to_coordinators(session: AsyncSession, concern: Concern, attachment: Attachment,
                           now: datetime) -> int:
    """The coordinators told of the concern (those of its area) get the file too."""
    found = (await coordinators.of_area(session, concern.area_id) if concern.area_id
             else await identities.of_people(session, role=Role.COORDINATOR))
    sent = 0
    for person, identity in found:
        if person.id == concern.person_id:
            continue
        with language(person.language):
            text = _("A file sent with concern {reference}:", reference=concern.reference)
        outbox.enqueue(session, channel=identity.channel, address=identity.address,
                       reply=Reply(text, language=person.language,
                                   media=media_for([attachment], coordinator_id=person.id)),
                       now=now, kind="notice", person_id=person.id,
                       about_person_id=concern.person_id)
        sent += 1
    return sent
