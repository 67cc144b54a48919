"""Attachments sent with concerns: which wait to be fetched, and what became of each.

Each call is part of the caller's transaction. Fetching itself (network, files) happens
outside any transaction, in ``bot.media_fetch``: it claims due rows here, fetches, then
records the outcome here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import concern_media, outbox
from bot.services.media_checks import Kept
from bot.storage.models import (
    Attachment,
    Concern,
    ConcernStatus,
    Identity,
    MediaState,
    Person,
    Status,
)
from flows.i18n import _, language, number
from flows.types import Reply

MAX_ATTEMPTS = 6
# How long a claimed fetch may take before another process may try it again.
CLAIM = timedelta(minutes=2)


async def keep(session: AsyncSession, concern: Concern, channel: str,
               media: Iterable[Mapping[str, Any]], now: datetime) -> None:
    """Attach files sent with a concern (as the flow stores them: kind, ref, content type),
    to be fetched; one already attached to it (a record kept from danger words, then
    saved with its details) is not attached twice."""
    media = list(media)
    if not media:
        return
    there = set(await session.scalars(select(Attachment.ref).where(
        Attachment.concern_id == concern.id)))
    for item in media:
        ref = str(item["ref"])[:500]
        if ref in there:
            continue
        there.add(ref)
        session.add(Attachment(concern_id=concern.id, channel=channel, kind=str(item["kind"]),
                               ref=ref, content_type=item.get("content_type"),
                               created_at=now))


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** attempts, 3600))


@dataclass(frozen=True)
class Due:
    id: int
    channel: str
    ref: str
    kind: str


async def claim_due(session: AsyncSession, now: datetime, channels: list[str], limit: int,
                    postgres: bool) -> list[Due]:
    """Pending attachments whose time has come, held for ``CLAIM`` by the caller."""
    query = (select(Attachment)
             .where(Attachment.state == MediaState.PENDING, Attachment.channel.in_(channels),
                    or_(Attachment.next_attempt_at.is_(None), Attachment.next_attempt_at <= now))
             .order_by(Attachment.id).limit(limit))
    if postgres:
        query = query.with_for_update(skip_locked=True)
    due = []
    for row in await session.scalars(query):
        row.attempts += 1
        row.next_attempt_at = now + CLAIM
        due.append(Due(row.id, row.channel, row.ref, row.kind))
    return due


async def stored(session: AsyncSession, attachment_id: int, kept: Kept, name: str,
                 checksum: str, now: datetime) -> bool:
    """Record the kept file; False if the attachment is gone meanwhile (erased)."""
    row = await session.get(Attachment, attachment_id)
    if row is None or row.state is not MediaState.PENDING:
        return False
    row.state = MediaState.STORED
    row.stored_as = name
    row.size = len(kept.data)
    row.content_type = kept.content_type
    row.sha256 = checksum
    row.stored_at = now
    row.error = None
    await concern_media.follow_up(session, row, now)  # to partners alerted meanwhile
    return True


async def refused(session: AsyncSession, attachment_id: int, reason: str, now: datetime,
                  max_bytes: int) -> None:
    """Too large or not an allowed type: kept out, and the champion is told why (and those
    the file would have gone to, that it will not follow)."""
    row = await session.get(Attachment, attachment_id)
    if row is None or row.state is not MediaState.PENDING:
        return
    row.state = MediaState.REFUSED
    row.error = reason
    await concern_media.not_kept(session, row, now)  # to those it would have gone to
    found = (await session.execute(
        select(Concern, Person, Identity)
        .join(Person, Person.id == Concern.person_id)
        .join(Identity, Identity.person_id == Person.id)
        .where(Concern.id == row.concern_id, Person.status == Status.ACTIVE,
               Identity.channel == row.channel, Identity.unreachable_at.is_(None),
               Identity.opted_out_at.is_(None)))).first()
    if found is None:
        return
    concern, person, identity = found
    with language(person.language):
        why = (_("it is larger than {size} MB", size=number(max_bytes // (1024 * 1024)))
               if reason == "too_large" else
               _("only photos, voice notes, audio, video and PDF files can be kept"))
        text = _("We could not keep the file you sent with concern {reference}: {why}. "
                 "Your concern itself is saved. You can describe what it showed in words "
                 "when you share a concern.", reference=concern.reference, why=why)
    outbox.enqueue(session, channel=identity.channel, address=identity.address,
                   reply=Reply(text, language=person.language), now=now, kind="notice",
                   person_id=person.id)


async def failed(session: AsyncSession, attachment_id: int, error: str, now: datetime) -> None:
    """The fetch failed: try again later, or give up after ``MAX_ATTEMPTS``."""
    row = await session.get(Attachment, attachment_id)
    if row is None or row.state is not MediaState.PENDING:
        return
    row.error = error[:200]
    if row.attempts >= MAX_ATTEMPTS:
        row.state = MediaState.FAILED
        row.next_attempt_at = None
        if await concern_media.not_kept(session, row, now):
            row.reported_at = now  # its coordinators were told: not counted again
    else:
        row.next_attempt_at = now + backoff(row.attempts)


async def files_of_person(session: AsyncSession, person_id: int) -> list[str]:
    """Names of the stored files sent by a person (to delete when they are erased)."""
    return [name for name in await session.scalars(
        select(Attachment.stored_as).join(Concern, Concern.id == Attachment.concern_id)
        .where(Concern.person_id == person_id, Attachment.stored_as.is_not(None)))
        if name]


async def past_retention(session: AsyncSession, now: datetime, days: int) -> list[str]:
    """Files of concerns resolved or closed more than ``days`` ago: marked removed."""
    rows = list(await session.scalars(
        select(Attachment).join(Concern, Concern.id == Attachment.concern_id)
        .where(Attachment.stored_as.is_not(None),
               Concern.status.in_([ConcernStatus.RESOLVED, ConcernStatus.CLOSED]),
               Concern.updated_at < now - timedelta(days=days))))
    names = [row.stored_as for row in rows if row.stored_as]
    for row in rows:
        row.state = MediaState.REMOVED
        row.stored_as = None
    return names


async def referenced(session: AsyncSession) -> set[str]:
    return {name for name in await session.scalars(
        select(Attachment.stored_as).where(Attachment.stored_as.is_not(None))) if name}


async def unreported_failures(session: AsyncSession, now: datetime) -> int:
    """Fetches given up on since coordinators were last told; marks them told."""
    rows = list(await session.scalars(select(Attachment).where(
        Attachment.state == MediaState.FAILED, Attachment.reported_at.is_(None))))
    for row in rows:
        row.reported_at = now
    return len(rows)
