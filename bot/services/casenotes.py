"""What is said about an escalation: to the partner's contacts (chat and email), to
coordinators, and back to the champion who raised the concern."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import concern_media, outbox, partners
from bot.storage.models import (
    Area,
    Concern,
    ConcernStatus,
    ConcernUpdate,
    Identity,
    Partner,
    Person,
    Status,
)
from flows.definitions.casework import ANONYMOUS_IN_CHAT as ANONYMOUS_IN_CHAT
from flows.definitions.casework import FORGOTTEN, UNASKED
from flows.definitions.concern import AFFECTS, CATEGORIES, URGENCY
from flows.i18n import N_, _, language, number, translate
from flows.safety import where
from flows.types import Reply

if TYPE_CHECKING:
    from bot.services.digests import Pattern

_CATEGORY = {o.id: o.label for o in CATEGORIES}
_URGENCY = {o.id: o.label for o in URGENCY}
_AFFECTS = {o.id: o.label for o in AFFECTS}
EXCERPT = 300
# What is said where a champion asked to stay anonymous, by how the reader answers them:
# in chat, with the links of an email (``partner_mail``), or on the /act page itself.
ANONYMOUS_BY_EMAIL = N_("The champion asked to stay anonymous; reply with the links below.")
ANONYMOUS = N_("The champion asked to stay anonymous.")


def category(code: str) -> str:
    return translate(_CATEGORY.get(code, code))


def urgency(code: str) -> str:
    return translate(_URGENCY.get(code, code))


def affects(code: str | None) -> str:
    return translate(_AFFECTS[code]) if code in _AFFECTS else "-"


def excerpt(text: str | None) -> str:
    """At most ``EXCERPT`` characters of ``text``: its start, and when words that may mean
    danger come later than that, the start and then the part around them."""
    text = (text or "").strip()
    if len(text) <= EXCERPT:
        return text
    found = where(text)
    if found is None or found[1] <= EXCERPT - 1:
        return text[: EXCERPT - 1] + "…"
    start, end = found
    head = text[: EXCERPT // 3].rstrip() + "… "
    room = EXCERPT - len(head) - 1  # and "…" after, if the text goes on
    begin = max(len(head), min(start - (room - (end - start)) // 2, len(text) - room))
    part = text[begin:begin + room]
    return head + part + ("…" if begin + room < len(text) else "")


def unasked(concern: Concern) -> bool:
    """Kept from a danger message (its words are kept until erased), so the champion was
    never asked whether they may be contacted."""
    return not concern.contact_ok and not concern.confirmed and bool(concern.description)


async def contact_line(session: AsyncSession, concern: Concern,
                       anonymous: str = ANONYMOUS_IN_CHAT) -> str:
    """The champion's name and how to reach them, only when they agreed for this concern;
    else ``anonymous`` (one of the ``ANONYMOUS`` messages: chat unless told otherwise)."""
    person = await session.get(Person, concern.person_id) if concern.person_id else None
    if unasked(concern):
        return translate(UNASKED)
    if person is not None and person.status == Status.ERASED:
        return translate(FORGOTTEN)
    if not concern.contact_ok or person is None:
        return translate(anonymous)
    reach = await session.scalar(select(Identity).where(Identity.person_id == person.id)
                                 .order_by(Identity.last_inbound_at.desc(), Identity.id))
    return _("Contact: {name}, {channel} {address}.", name=person.display_name or "-",
             channel=reach.channel if reach else "-", address=reach.address if reach else "-")


# A coordinator may know who raised a concern the service may not be told of (the dashboard
# says the same); only the service's contact details wait for the champion's yes.
NOT_AGREED = N_("The champion did not agree to be contacted about this concern.")


async def _for_coordinators(session: AsyncSession, concern: Concern) -> str:
    person = await session.get(Person, concern.person_id) if concern.person_id else None
    if (unasked(concern) or concern.contact_ok or person is None
            or person.status == Status.ERASED):
        return await contact_line(session, concern)
    return _("From: {name}.", name=person.display_name or "-") + " " + translate(NOT_AGREED)


async def describe(session: AsyncSession, concern: Concern,
                   anonymous: str = ANONYMOUS_IN_CHAT, *, coordinators: bool = False) -> str:
    """A concern as a partner or coordinator reads it (in the current language); where the
    champion asked to stay anonymous it says ``anonymous`` (see ``contact_line``), or to
    ``coordinators``, who may know, who raised it and that they did not agree."""
    area = await session.get(Area, concern.area_id) if concern.area_id else None
    return "\n".join([
        f"{concern.reference} · {category(concern.category)} · "
        f"{area.name if area else _('area not given')}",
        _("Urgency: {urgency}. Affects: {affects}.", urgency=urgency(concern.urgency),
          affects=affects(concern.affects)),
        f"“{excerpt(concern.description)}”" if concern.description else _("(no words kept)"),
        await (_for_coordinators(session, concern) if coordinators
               else contact_line(session, concern, anonymous)),
    ])


async def alert_partner(session: AsyncSession, partner: Partner, concern: Concern,
                        now: datetime, heading: Callable[[], str], kind: str = "alert") -> int:
    """Tell every chat contact of the partner at once (email: ``partner_mail.alert``)."""
    sent = 0
    files = await concern_media.of_concern(session, concern.id)
    media = concern_media.media_for(files, partner_id=partner.id)
    for person, identity in await partners.contacts(session, partner.id):
        with language(person.language):
            waiting = concern_media.waiting_line(files)
            text = "\n\n".join([heading(), await describe(session, concern), *(
                [waiting] if waiting else []), _(
                "Reply ACK {reference} to acknowledge it, or DONE {reference} and a note "
                "once it is dealt with.", reference=concern.reference)])
            # No buttons: numbers typed under an alert would answer the open question
            # instead; the words (and the menu's buttons) carry the reference.
            reply = Reply(text, language=person.language, media=media)
        outbox.enqueue(session, channel=identity.channel, address=identity.address,
                       reply=reply, now=now, kind=kind, person_id=person.id,
                       about_person_id=concern.person_id)
        sent += 1
    return sent


def pattern_line(p: Pattern) -> str:
    """One pattern in the current language: category · area: last 30 (30 before), trend."""
    trend = {"rising": _("rising"), "falling": _("falling"), "steady": _("steady")}[p.trend]
    text = (f"{category(p.category)} · {p.area}: {number(p.last_30)} "
            f"({number(p.previous_30)}), {trend}")
    if p.crossed:
        text += " · " + _("{count} in the last 7 days", count=number(p.last_7))
    return text


def _update_text(status: ConcernStatus, reference: str, partner: str | None,
                 note: str | None, removed: bool = False) -> str:
    """What the champion reads of a step; ``partner`` is the service that took it, None
    when a coordinator did (then nothing is said of a service); ``removed``: the concern is
    back with the coordinators because that service was removed."""
    if removed:
        text = _("Update on your concern {reference}: {partner} is no longer one of our "
                 "partner services. A coordinator will find the right service.",
                 reference=reference, partner=partner or _("the service"))
    elif partner is None and status is ConcernStatus.ACKNOWLEDGED:
        text = _("Update on your concern {reference}: it has been received and will be "
                 "looked at.", reference=reference)
    elif partner is None and status is ConcernStatus.IN_PROGRESS:
        text = _("Update on your concern {reference}: it is being worked on.",
                 reference=reference)
    elif partner is None and status is ConcernStatus.RESOLVED:
        text = _("Update on your concern {reference}: it has been dealt with.",
                 reference=reference)
    else:
        text = _step_text(status, reference, partner or _("the service"))
    return f"{text}\n“{note}”" if note else text


def _step_text(status: ConcernStatus, reference: str, partner: str) -> str:
    if status is ConcernStatus.PASSED_ON:
        text = _("Update on your concern {reference}: it has been passed to {partner}.",
                 reference=reference, partner=partner)
    elif status is ConcernStatus.ACKNOWLEDGED:
        text = _("Update on your concern {reference}: {partner} has received it and will "
                 "look at it.", reference=reference, partner=partner)
    elif status is ConcernStatus.IN_PROGRESS:
        text = _("Update on your concern {reference}: {partner} is working on it.",
                 reference=reference, partner=partner)
    elif status is ConcernStatus.RESOLVED:
        text = _("Update on your concern {reference}: {partner} has dealt with it.",
                 reference=reference, partner=partner)
    elif status is ConcernStatus.RETURNED:
        text = _("Update on your concern {reference}: {partner} said it is not for them. "
                 "A coordinator will find the right service.", reference=reference,
                 partner=partner)
    elif status is ConcernStatus.CLOSED:
        text = _("Update on your concern {reference}: a coordinator has closed it.",
                 reference=reference)
    else:
        text = _("A coordinator wrote about your concern {reference}.", reference=reference)
    return text


# Why the champion was not told of a step (see ``tell_champion``), and what to say so.
ERASED, UNREACHABLE = "erased", "unreachable"
UNTOLD = {ERASED: N_("Done. The champion can no longer be told: they asked to be forgotten."),
          UNREACHABLE: N_("Done, but the champion could not be told: they have paused "
                          "messages, left the programme or cannot be reached.")}


async def tell_champion(session: AsyncSession, concern: Concern, status: ConcernStatus,
                        now: datetime, *, partner: str | None = None, note: str | None = None,
                        by: str = "system", changes_status: bool = True,
                        removed: bool = False, settles: bool = True) -> str | None:
    """Record the step in the concern's history and tell the champion, in their language.
    None once they are told, else why they could not be (a key of ``UNTOLD``).
    ``removed``: back with the coordinators (RETURNED) because ``partner`` was removed.
    ``settles``: False for one service's step while another service still has the concern,
    which keeps its status (the champion still hears of the step)."""
    if changes_status and settles:
        concern.status = status
    concern.updated_at = now
    session.add(ConcernUpdate(concern_id=concern.id, status=concern.status, note=note,
                              by_role=by, created_at=now))
    person = await session.get(Person, concern.person_id) if concern.person_id else None
    if person is not None and person.status == Status.ERASED:
        return ERASED
    if person is None or person.status != Status.ACTIVE:
        return UNREACHABLE
    with language(person.language):
        text = _update_text(status if changes_status else ConcernStatus.RECEIVED,
                            concern.reference, partner, note, removed)
    told = False
    for identity in await session.scalars(select(Identity).where(
            Identity.person_id == person.id, Identity.unreachable_at.is_(None),
            Identity.opted_out_at.is_(None))):
        outbox.enqueue(session, channel=identity.channel, address=identity.address,
                       reply=Reply(text, language=person.language), now=now,
                       kind="concern_update", person_id=person.id,
                       values={"reference": concern.reference})
        told = True
    return None if told else UNREACHABLE


async def notify(session: AsyncSession, recipients: list[tuple[Person, Identity]],
                 render: Callable[[], Awaitable[str]], now: datetime, *, kind: str = "notice",
                 about: int | None = None) -> None:
    """One message to each recipient, rendered in their language."""
    for person, identity in recipients:
        with language(person.language):
            reply = Reply(await render(), language=person.language)
        outbox.enqueue(session, channel=identity.channel, address=identity.address,
                       reply=reply, now=now, kind=kind, person_id=person.id,
                       about_person_id=about)
