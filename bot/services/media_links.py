"""Signed, expiring links to a kept photo or voice note, for the people who act on it.

A link's purpose is "media"; its subject names the attachment and who may see it: a
partner organisation (``p``), a coordinator (``c``, a person id) or the operator (``o``,
links printed by the CLI). Opening one asks ``permissions`` again, so a link made for a
partner stops working for it if the concern is no longer routed there. Refusals are
audited; the bytes come from the media store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit, coordinators, links, permissions
from bot.services.links import LinkError
from bot.services.media_store import FolderStore, MediaStore
from bot.services.permissions import OPERATOR, Action, Actor, Scope
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import (
    OPEN,
    Attachment,
    Concern,
    Escalation,
    EscalationStatus,
    MediaState,
    Person,
    Role,
    Status,
)

PURPOSE = "media"
PATH = "/media/"
# Long enough to open an alert or a digest days later; short enough to go stale.
VALID_FOR = timedelta(days=7)
STORED_PREFIX = "stored:"  # a Media ref naming a kept attachment (see ``ref``)


class MediaRefused(Exception):
    """The link cannot show the file; ``reason`` is forged, expired, refused, pending (still
    being fetched) or gone."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Shown:
    name: str  # the file's name in the media store
    content_type: str
    kind: str  # photo, voice, audio, video, document


def token_for(settings: Settings, attachment_id: int, *, partner_id: int | None = None,
              coordinator_id: int | None = None, now: datetime,
              valid_for: timedelta = VALID_FOR) -> str:
    subject: dict[str, str | int] = {"a": attachment_id}
    if partner_id is not None:
        subject["p"] = partner_id
    elif coordinator_id is not None:
        subject["c"] = coordinator_id
    else:
        subject["o"] = 1
    return links.sign(settings.secret, PURPOSE, subject, now=now, valid_for=valid_for,
                      once=False)


def url_for(settings: Settings, attachment_id: int, *, partner_id: int | None = None,
            coordinator_id: int | None = None, now: datetime,
            valid_for: timedelta = VALID_FOR) -> str:
    """PUBLIC_BASE_URL/media/<token>: the file, for a partner organisation's people
    (``partner_id``), one coordinator (``coordinator_id``) or, with neither, the operator."""
    if not settings.public_base_url:
        raise ValueError("PUBLIC_BASE_URL is needed to build links")
    token = token_for(settings, attachment_id, partner_id=partner_id,
                      coordinator_id=coordinator_id, now=now, valid_for=valid_for)
    return settings.public_base_url.rstrip("/") + PATH + token


def ref(attachment_id: int, partner_id: int | None = None,
        coordinator_id: int | None = None) -> str:
    """A Media ref the channels turn into the file (Telegram) or a signed link (WhatsApp):
    ``stored:<attachment>[:p<partner>|:c<coordinator>]``."""
    who = f":p{partner_id}" if partner_id is not None else (
        f":c{coordinator_id}" if coordinator_id is not None else "")
    return f"{STORED_PREFIX}{attachment_id}{who}"


def parse_ref(value: str) -> tuple[int, int | None, int | None]:
    """(attachment id, partner id, coordinator id) from a ``ref``; ValueError if not one."""
    if not value.startswith(STORED_PREFIX):
        raise ValueError("not a stored media ref")
    first, _, who = value.removeprefix(STORED_PREFIX).partition(":")
    partner = int(who[1:]) if who.startswith("p") else None
    coordinator = int(who[1:]) if who.startswith("c") else None
    return int(first), partner, coordinator


async def _actor(session: AsyncSession, subject: dict[str, str | int]) -> Actor:
    if "p" in subject:
        partner = int(subject["p"])  # named in the audit log should the link be refused
        return Actor(f"link:partner:{partner}", Role.PARTNER, partner_id=partner)
    if "c" in subject:
        person = await session.get(Person, int(subject["c"]))
        if person is None or person.status is not Status.ACTIVE:
            return Actor("link")
        return await coordinators.actor_of(session, person)
    return OPERATOR


async def _scope(session: AsyncSession, concern: Concern, actor: Actor) -> Scope:
    """The concern's area and, for a partner, that partner if the concern is with it: open
    with them, or resolved by them. Not once it was moved elsewhere or sent back."""
    routed = None
    if actor.partner_id is not None:
        routed = await session.scalar(select(Escalation.partner_id).where(
            Escalation.concern_id == concern.id, Escalation.partner_id == actor.partner_id,
            Escalation.status.in_((*OPEN, EscalationStatus.RESOLVED))).limit(1))
    return Scope(area_id=concern.area_id, partner_id=routed, person_id=concern.person_id)


async def open_link(session: AsyncSession, settings: Settings, token: str, now: datetime
                    ) -> Shown:
    """What the link shows, or MediaRefused (audited, in ``session``: commit it)."""
    try:
        link = links.verify(settings.secret, token, PURPOSE, now=now)
    except LinkError as error:
        audit.record(session, "link", "refused", None, now, attempted=Action.VIEW_MEDIA.value,
                     reason=error.reason)
        raise MediaRefused("expired" if error.reason == "expired" else "forged") from None
    actor = await _actor(session, link.subject)
    attachment = await session.get(Attachment, int(link.subject.get("a", 0)))
    concern = await session.get(Concern, attachment.concern_id) if attachment else None
    scope = await _scope(session, concern, actor) if concern else Scope(
        partner_id=actor.partner_id)
    try:
        permissions.require(session, actor, Action.VIEW_MEDIA, scope, now)
    except permissions.Forbidden:
        raise MediaRefused("refused") from None
    if attachment is not None and attachment.state is MediaState.PENDING:
        raise MediaRefused("pending")  # fetched within moments: worth opening again
    if (attachment is None or attachment.state is not MediaState.STORED
            or not attachment.stored_as or not attachment.content_type):
        audit.record(session, actor.label, "refused", scope.person_id, now,
                     attempted=Action.VIEW_MEDIA.value, reason="gone")
        raise MediaRefused("gone")
    return Shown(attachment.stored_as, attachment.content_type, attachment.kind)


def read(store: MediaStore, shown: Shown) -> bytes | None:
    """The file's bytes, or None if it is no longer on disk."""
    try:
        return store.read(shown.name)
    except (FileNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class Loaded:
    data: bytes
    content_type: str
    kind: str


async def load(database: Database, settings: Settings, value: str) -> Loaded | None:
    """The file a ``stored:`` ref names, for a channel to upload; None if it is not kept
    (erased, past retention) or its viewer may no longer see it."""
    attachment_id, partner_id, coordinator_id = parse_ref(value)
    async with database.transaction() as session:
        attachment = await session.get(Attachment, attachment_id)
        concern = await session.get(Concern, attachment.concern_id) if attachment else None
        if attachment is None or concern is None or not attachment.stored_as:
            return None
        subject: dict[str, str | int] = (
            {"p": partner_id} if partner_id is not None else
            {"c": coordinator_id} if coordinator_id is not None else {"o": 1})
        actor = await _actor(session, subject)
        if not permissions.allowed(actor, Action.VIEW_MEDIA,
                                   await _scope(session, concern, actor)):
            return None
        shown = Shown(attachment.stored_as, attachment.content_type or "", attachment.kind)
    data = read(FolderStore(settings.media_dir), shown)
    return Loaded(data, shown.content_type, shown.kind) if data is not None else None
