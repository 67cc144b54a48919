"""A concern's photos and voice notes, going with it to the people who act on it.

Chat messages carry each kept file as a ``stored:`` Media ref naming the attachment and
the viewer (see ``media_links.ref``); each channel turns it into what it can send (the
file uploaded on Telegram, a signed link Twilio fetches on WhatsApp). A file still being
fetched is announced, and follows when it is kept (``follow_up``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import coordinators, identities, media_links, outbox, partners, permissions
from bot.services.media_links import ref
from bot.services.permissions import Action, Actor, Scope
from bot.settings import Settings
from bot.storage.models import (
    OPEN,
    Attachment,
    Concern,
    Escalation,
    Identity,
    MediaState,
    Person,
    Role,
)
from flows.i18n import N_, _, language, number, translate
from flows.types import Media, Reply

KINDS = {"photo": N_("Photo"), "voice": N_("Voice note"), "audio": N_("Audio"),
         "video": N_("Video"), "document": N_("Document")}
# Files a link may name: kept, or about to be (fetching takes seconds).
LINKABLE = (MediaState.PENDING, MediaState.STORED)
STATES = {MediaState.PENDING: N_("still being fetched"),
          MediaState.REFUSED: N_("not kept: not a photo, sound, video or PDF, or too large"),
          MediaState.FAILED: N_("not kept: it could not be fetched"),
          MediaState.REMOVED: N_("no longer kept")}
# A page's links: long enough to read the page, play the note and come back to it.
PAGE_VALID = timedelta(hours=2)


async def of_concern(session: AsyncSession, concern_id: int) -> list[Attachment]:
    return list(await session.scalars(select(Attachment).where(
        Attachment.concern_id == concern_id).order_by(Attachment.id)))


def media_for(rows: list[Attachment], *, partner_id: int | None = None,
              coordinator_id: int | None = None) -> tuple[Media, ...]:
    """The kept files, as Media a channel can send to that viewer."""
    return tuple(Media(row.kind, ref(row.id, partner_id, coordinator_id), row.content_type)
                 for row in rows if row.state is MediaState.STORED and row.stored_as)


async def of_concerns(session: AsyncSession, concern_ids: Iterable[int]
                      ) -> dict[int, list[Attachment]]:
    """Each concern's attachments (by concern id), in one query."""
    found: dict[int, list[Attachment]] = {}
    wanted = list(set(concern_ids))
    if not wanted:
        return found
    for row in await session.scalars(select(Attachment).where(
            Attachment.concern_id.in_(wanted)).order_by(Attachment.id)):
        found.setdefault(row.concern_id, []).append(row)
    return found


def kind_label(kind: str) -> str:
    """What a file is, in the current language (Photo, Voice note...)."""
    return translate(KINDS.get(kind, KINDS["document"]))


def can_link(settings: Settings | None) -> bool:
    return (settings is not None and bool(settings.public_base_url)
            and settings.secret_key is not None)


def partner_links(settings: Settings | None, files: Iterable[tuple[int, str]], partner_id: int,
                  now: datetime, valid_for: timedelta) -> tuple[tuple[str, str], ...]:
    """A signed link per file (attachment id, kind) for the partner's people, labelled in
    the current language ("Photo 1", "Voice note 2"); none when links cannot be made."""
    if settings is None or not can_link(settings):
        return ()
    return tuple((f"{kind_label(kind)} {number(index)}", media_links.url_for(
        settings, attachment_id, partner_id=partner_id, now=now, valid_for=valid_for))
        for index, (attachment_id, kind) in enumerate(files, start=1))


def linkable(rows: Iterable[Attachment]) -> tuple[tuple[int, str], ...]:
    """(attachment id, kind) of each file a link may name."""
    return tuple((row.id, row.kind) for row in rows if row.state in LINKABLE)


@dataclass(frozen=True)
class Viewed:
    """A file as a page shows it: the player or picture where ``src`` is set."""

    kind: str  # photo, voice, audio, video, document
    label: str  # "Photo 1", in the viewer's language
    content_type: str
    src: str | None  # a signed /media link (relative), None where it cannot be shown
    state: str  # why it cannot be shown, in the viewer's language; "" when it can


def for_viewer(settings: Settings, rows: Iterable[Attachment], actor: Actor, scope: Scope,
               now: datetime) -> list[Viewed]:
    """A concern's files for one viewer of its page (call within the viewer's language):
    a signed link each when they may see them (``Action.VIEW_MEDIA``) and links can be
    signed (SECRET_KEY: the /media page needs it)."""
    may = permissions.allowed(actor, Action.VIEW_MEDIA, scope) and settings.secret_key is not None
    shown = []
    for index, row in enumerate(rows, start=1):
        src = None
        if may and row.state is MediaState.STORED and row.stored_as:
            src = media_links.PATH + media_links.token_for(
                settings, row.id, partner_id=actor.partner_id,
                coordinator_id=None if actor.partner_id is not None else actor.person_id,
                now=now, valid_for=PAGE_VALID)
        state = "" if src else translate(STATES.get(row.state, N_("not shown to you")))
        shown.append(Viewed(row.kind, f"{kind_label(row.kind)} {number(index)}",
                            row.content_type or "", src, state))
    return shown


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
    return await _tell(session, attachment, now, lambda concern: _(
        "A file sent with concern {reference}:", reference=concern.reference), with_file=True)


async def not_kept(session: AsyncSession, attachment: Attachment, now: datetime) -> int:
    """A file given up on (refused, or never fetched): those ``follow_up`` would have sent
    it to are told it will not follow, as they may have read that it would."""
    state = STATES[attachment.state]
    return await _tell(session, attachment, now, lambda concern: _(
        "A file sent with concern {reference} will not follow ({state}). The concern "
        "itself is saved.", reference=concern.reference, state=translate(state)))


async def _tell(session: AsyncSession, attachment: Attachment, now: datetime,
                text: Callable[[Concern], str], with_file: bool = False) -> int:
    """A message about one of a concern's files, in each reader's language (with the file
    itself, as that reader may open it, when ``with_file``), to the contacts of each
    partner alerted about the concern (urgent escalations still open) and to the
    coordinators told of it (those of its area). How many messages were written."""
    concern = await session.get(Concern, attachment.concern_id)
    if concern is None:
        return 0
    readers: list[tuple[Person, Identity, str, tuple[Media, ...]]] = []
    for escalation in await session.scalars(select(Escalation).where(
            Escalation.concern_id == concern.id, Escalation.partner_id.is_not(None),
            Escalation.urgent.is_(True), Escalation.status.in_(OPEN))):
        assert escalation.partner_id is not None
        media = media_for([attachment], partner_id=escalation.partner_id) if with_file else ()
        for person, identity in await partners.contacts(session, escalation.partner_id):
            readers.append((person, identity, "alert", media))
    for person, identity in (await coordinators.of_area(session, concern.area_id)
                             if concern.area_id
                             else await identities.of_people(session, role=Role.COORDINATOR)):
        if person.id != concern.person_id:
            media = (media_for([attachment], coordinator_id=person.id) if with_file else ())
            readers.append((person, identity, "notice", media))
    for person, identity, kind, media in readers:
        with language(person.language):
            said = text(concern)
        outbox.enqueue(session, channel=identity.channel, address=identity.address,
                       reply=Reply(said, language=person.language, media=media), now=now,
                       kind=kind, person_id=person.id, about_person_id=concern.person_id)
    return len(readers)
