"""FORGET and MY DATA: erase a person (anonymous counts stay), or send them what we hold."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import alerts, attachments, audit, media
from bot.services.events import EventContext
from bot.services.media_store import MediaStore
from bot.storage.broadcasts import BroadcastRecipient
from bot.storage.models import (
    Activity,
    Area,
    Attachment,
    Concern,
    ConcernUpdate,
    Consent,
    Identity,
    OutboxMessage,
    Person,
    Status,
)
from bot.storage.screens import DrawnKeyboard, PressedKeyboard
from flows import languages
from flows.commands import first_word
from flows.definitions.activity import KINDS
from flows.definitions.concern import CATEGORIES
from flows.definitions.my_concerns import STATUSES
from flows.definitions.options import OTHER_TOPIC, TOPICS
from flows.i18n import N_, _, day, number, translate
from flows.types import Event, Reply

_LABELS = {o.id: o.label for o in (*TOPICS, OTHER_TOPIC)}
_ROLES = {"champion": N_("Community health champion"), "coordinator": N_("Coordinator"),
          "partner": N_("Partner service")}
_KINDS = {o.id: o.label for o in KINDS}
_CATEGORIES = {o.id: o.label for o in CATEGORIES}


async def erase_person(session: AsyncSession, person: Person, now: datetime, actor: str,
                       files: MediaStore | None = None) -> None:
    """Delete what identifies the person and everything they wrote; keep anonymous counts.

    Their photos and voice notes are deleted from ``files`` first: should the
    transaction then fail, the erasure is asked again and finds them gone already.
    Without ``files``, the hourly media sweep deletes them (no record points to them).
    """
    if files is not None:
        media.delete_files(files, await attachments.files_of_person(session, person.id))
    for identity in list(await session.scalars(
            select(Identity).where(Identity.person_id == person.id))):
        # Messages to them, including those from before they joined, carry their address.
        await session.execute(delete(OutboxMessage).where(
            OutboxMessage.channel == identity.channel,
            OutboxMessage.address == identity.address))
        await session.execute(delete(DrawnKeyboard).where(
            DrawnKeyboard.channel == identity.channel, DrawnKeyboard.chat == identity.address))
        await session.execute(delete(PressedKeyboard).where(
            PressedKeyboard.channel == identity.channel,
            PressedKeyboard.chat == identity.address))
        await session.delete(identity)
    concern_ids = select(Concern.id).where(Concern.person_id == person.id)
    await session.execute(delete(Attachment).where(Attachment.concern_id.in_(concern_ids)))
    await session.execute(update(ConcernUpdate).where(ConcernUpdate.concern_id.in_(concern_ids))
                          .values(note=None))
    # Escalations stay as anonymous records: no words, no way to reach the champion.
    await session.execute(update(Concern).where(Concern.person_id == person.id)
                          .values(description=None, contact_ok=False))
    await session.execute(update(Activity).where(Activity.person_id == person.id)
                          .values(note=None, kind_other=None))
    await session.execute(delete(OutboxMessage).where(
        (OutboxMessage.person_id == person.id) | (OutboxMessage.about_person_id == person.id)))
    # Broadcasts they were sent stay counted (by channel and language), to no address.
    await session.execute(update(BroadcastRecipient).where(
        BroadcastRecipient.person_id == person.id).values(address=""))
    await session.execute(update(Consent).where(Consent.person_id == person.id,
                                                Consent.withdrawn_at.is_(None))
                          .values(withdrawn_at=now))
    await alerts.forget_about(session, person_id=person.id)
    person.display_name = None
    person.topics = []
    person.status = Status.ERASED
    person.erased_at = now
    person.updated_at = now
    audit.record(session, actor, "erased", person.id, now)


async def erase(ctx: EventContext, event: Event) -> None:
    person = ctx.person
    if person is None:
        return
    await erase_person(ctx.session, person, ctx.now, actor="self",
                       files=media.store(ctx.settings))
    ctx.forgotten = True


_MEDIA_KINDS = {"photo": N_("photo"), "voice": N_("voice note"), "audio": N_("audio"),
                "video": N_("video"), "document": N_("document")}
_MEDIA_STATES = {"pending": N_("being fetched"), "stored": N_("kept"),
                 "refused": N_("not kept"), "failed": N_("could not be fetched"),
                 "removed": N_("deleted after the retention period")}


async def _sent(session: AsyncSession, person: Person) -> list[tuple[Attachment, Concern]]:
    """The photos and voice notes the person sent with their concerns."""
    return [(file, concern) for file, concern in (await session.execute(
        select(Attachment, Concern).join(Concern, Concern.id == Attachment.concern_id)
        .where(Concern.person_id == person.id).order_by(Attachment.id))).all()]


def _files(rows: list[tuple[Attachment, Concern]]) -> list[str]:
    if not rows:
        return []
    lines = ["", _("Files you sent: {count}", count=number(len(rows)))]
    for file, concern in rows:
        size = (_("{size} KB", size=number(max(1, round(file.size / 1024))))
                if file.size else "")
        lines.append(f"• {concern.reference}: {translate(_MEDIA_KINDS.get(file.kind, file.kind))}"
                     f"{', ' + size if size else ''}, "
                     f"{translate(_MEDIA_STATES.get(file.state.value, file.state.value))}")
    return lines


def _in_words(description: str | None, files: bool) -> str:
    """A concern's words after its status; a photo-only concern's are in its files."""
    if description:
        return f" – “{description}”"
    return " – " + _("(in the photos and voice notes)") if files else ""


async def export(ctx: EventContext, event: Event) -> None:
    """Everything held about the person, as one message in their language."""
    person = ctx.person
    if person is None:
        return
    session, zone = ctx.session, ctx.settings.zone
    area = await session.get(Area, person.area_id) if person.area_id else None
    consents = list(await session.scalars(select(Consent).where(Consent.person_id == person.id)))
    channels = list(await session.scalars(select(Identity).where(
        Identity.person_id == person.id)))
    activities = list(await session.scalars(select(Activity).where(
        Activity.person_id == person.id).order_by(Activity.happened_on)))
    concerns = list(await session.scalars(select(Concern).where(
        Concern.person_id == person.id).order_by(Concern.id)))
    lines = [
        _("What we hold about you:"), "",
        _("Name: {name}", name=person.display_name or _("(none)")),
        _("Role: {role}. Language: {language}. Area: {area}.",
          role=translate(_ROLES[person.role.value]),
          language=languages.get(person.language).native_name,
          area=area.name if area else _("(none)")),
        _("Topics: {topics}", topics=", ".join(translate(_LABELS.get(t, t))
                                             for t in person.topics) or _("(none)")),
        _("Joined on {date}.", date=day(person.created_at.astimezone(zone).date())),
    ]
    lines += [_("Consent (version {version}) given on {date}.", version=c.version,
                date=day(c.given_at.astimezone(zone).date())) for c in consents]
    lines.append(_("How we reach you: {channels}", channels=", ".join(
        f"{i.channel} {i.address}" for i in channels)))
    lines += ["", _("Activities: {count}", count=number(len(activities)))]
    lines += [f"• {day(a.happened_on)}: {translate(_KINDS.get(a.kind, a.kind))}, "
              f"{translate(_LABELS.get(a.topic, a.topic))}, {number(a.people_reached)}"
              + (f" – “{a.note}”" if a.note else "") for a in activities]
    lines += ["", _("Concerns: {count}", count=number(len(concerns)))]
    sent = await _sent(session, person)
    with_files = {concern.id for _file, concern in sent}
    lines += [f"• {c.reference}: {translate(_CATEGORIES.get(c.category, c.category))}, "
              f"{translate(STATUSES.get(c.status.value, c.status.value))}"
              + _in_words(c.description, c.id in with_files) for c in concerns]
    lines += _files(sent)
    lines += ["", _("Send {forget} to have your details erased.", forget=first_word("forget"))]
    ctx.reply(Reply("\n".join(lines), language=person.language))
    audit.record(session, "self", "data_export", person.id, ctx.now)
