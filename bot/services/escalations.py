"""Escalations: routing a confirmed concern, and the one service every path acts through
(chat steps, chat words, the CLI and signed email links)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import (
    casenotes,
    cleaning,
    coordinators,
    identities,
    partner_mail,
    partners,
    permissions,
)
from bot.services.permissions import Action, Actor, Scope
from bot.settings import Settings
from bot.storage.models import (
    OPEN,
    Concern,
    ConcernStatus,
    Escalation,
    EscalationChange,
    EscalationStatus,
    Identity,
    Partner,
    Person,
    Role,
)
from flows.i18n import _, language, moment, number, translate

REFERENCE = re.compile(r"^\s*C-?(\d{1,9})(?:/(\d{1,9}))?\s*$", re.IGNORECASE)
PARTNER_ACTIONS = {"ack", "progress", "done", "notus"}
COORDINATOR_ACTIONS = {"route", "close", "note", "said"}
NEEDS_NOTE = {"done", "notus", "note"}
# What only an open escalation allows ("status": the chat word that asks which of these).
ONLY_OPEN = {"ack", "progress", "done", "close", "notus", "status"}
MAX_NOTE = 1000


class ActionError(Exception):
    """The action can't be done (already done, unknown reference...): ``message`` says why,
    in the language current when it was raised."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NoteNeeded(ActionError):
    """``action`` needs a note and none was given; ``message`` says so for chat, where the
    note follows the reference. Other interfaces say it in their own words."""

    def __init__(self, action: str) -> None:
        super().__init__(_("Please add a short note after the reference."))
        self.action = action


@dataclass(frozen=True)
class Outcome:
    reference: str
    status: EscalationStatus
    message: str  # what to tell whoever acted
    untold: str | None = None  # why the champion could not be told (casenotes.UNTOLD)
    escalation: int | None = None  # the escalation it made (routing opens a new one)


def is_urgent(concern: Concern) -> bool:
    return (concern.urgency == "at_risk" or concern.red_flag is not None
            or concern.category == "safeguarding")


def concern_id(reference: str) -> int | None:
    match = REFERENCE.match(reference)
    return int(match.group(1)) - 1000 if match else None


def _line(target: str) -> int | None:
    """The escalation a target names ("C-1042/7": a line of a chat list), if it names one."""
    match = REFERENCE.match(target)
    return int(match.group(2)) if match and match.group(2) else None


def _specific(target: int | str) -> bool:
    """Whether ``target`` is one escalation as shown on a screen (a dashboard page, a chat
    list's line), which may have changed since, rather than a concern's reference."""
    return isinstance(target, int) or _line(target) is not None


def _change(session: AsyncSession, escalation: Escalation, status: EscalationStatus,
            actor: str, now: datetime, note: str | None = None) -> None:
    escalation.status = status
    escalation.changed_by = actor
    escalation.updated_at = now
    if status is EscalationStatus.ACKNOWLEDGED or (
            status in (EscalationStatus.IN_PROGRESS, EscalationStatus.RESOLVED)
            and escalation.acknowledged_at is None):
        escalation.acknowledged_at = now
    if status is EscalationStatus.RESOLVED:
        escalation.resolved_at = now
    if note is not None:
        escalation.note = note
    session.add(EscalationChange(escalation_id=escalation.id, status=status, note=note,
                                 actor=actor, created_at=now))


async def _open(session: AsyncSession, concern: Concern, partner: Partner | None,
                actor: str, now: datetime, settings: Settings | None = None) -> Escalation:
    """A new escalation; urgent ones reach the partner's contacts at once (chat, and email
    with signed links when ``settings`` can make them)."""
    escalation = Escalation(concern_id=concern.id, partner_id=partner.id if partner else None,
                            status=EscalationStatus.NEW, urgent=is_urgent(concern),
                            changed_by=actor, created_at=now, updated_at=now)
    session.add(escalation)
    await session.flush()
    session.add(EscalationChange(escalation_id=escalation.id, status=EscalationStatus.NEW,
                                 actor=actor, created_at=now))
    if partner is not None and escalation.urgent:
        def heading() -> str:
            return _("URGENT concern {reference} for {partner}", reference=concern.reference,
                     partner=partner.name)

        await casenotes.alert_partner(session, partner, concern, now, heading)
        with language(partner.language):
            await partner_mail.alert(session, settings, partner, escalation.id, concern,
                                     heading(), now)
        escalation.digested_at = now
    return escalation


async def route_concern(session: AsyncSession, concern: Concern, now: datetime,
                        settings: Settings | None = None) -> list[Escalation]:
    """Route a confirmed concern to every matching partner, or to coordinators.

    A concern kept from a red flag is already open with coordinators (``for_coordinators``)
    when the champion confirms it: if a coordinator has passed it on meanwhile, it stays
    where it is; else the matching services take it over from the coordinators."""
    already = list(await session.scalars(select(Escalation).where(
        Escalation.concern_id == concern.id, Escalation.status.in_(OPEN))))
    if any(e.partner_id is not None for e in already):
        return already
    matched = await partners.matching(session, concern.category, concern.area_id)
    made = [await _open(session, concern, partner, "system", now, settings)
            for partner in matched]
    if not made:
        return already or [await _open(session, concern, None, "system", now)]
    for held in already:
        _change(session, held, EscalationStatus.CLOSED, "system", now,
                "routed to " + ", ".join(p.name for p in matched))
    concern.status = ConcernStatus.PASSED_ON
    return made


async def for_coordinators(session: AsyncSession, concern: Concern, now: datetime
                           ) -> Escalation:
    """Open ``concern`` with the coordinators (no service yet): it is on their lists of
    concerns to route and to follow, whether or not the champion goes on to confirm it."""
    return await _open(session, concern, None, "system", now)


async def find(session: AsyncSession, actor: Actor, target: int | str) -> Escalation | None:
    """The escalation meant: by id, or by a concern's reference (the actor's own partner's
    escalation of it for a partner; else the latest open one, else the latest)."""
    if isinstance(target, int):
        return await session.get(Escalation, target)
    number = concern_id(target)
    if number is None:
        return None
    if (line := _line(target)) is not None:
        found = await session.get(Escalation, line)
        return found if found is not None and found.concern_id == number else None
    query = select(Escalation).where(Escalation.concern_id == number)
    own = None
    if actor.partner_id is not None:
        own = await session.scalar(query.where(Escalation.partner_id == actor.partner_id)
                                   .order_by(Escalation.id.desc()).limit(1))
    if own is None:
        own = await session.scalar(query.where(Escalation.status.in_(OPEN))
                                   .order_by(Escalation.id.desc()).limit(1))
    return own or await session.scalar(query.order_by(Escalation.id.desc()).limit(1))


async def check(session: AsyncSession, actor: Actor, target: int | str, action: str,
                now: datetime, zone: tzinfo = UTC) -> tuple[Escalation, Concern]:
    """The escalation and its concern, if ``action`` may be done to it as far as can be
    known before its note or choice: else Forbidden (audited) or ActionError. Chat asks
    this before asking for a note or a confirmation; ``act`` asks it again."""
    escalation = await find(session, actor, target)
    concern = await session.get(Concern, escalation.concern_id) if escalation else None
    scope = Scope(area_id=concern.area_id if concern else None,
                  partner_id=escalation.partner_id if escalation else None,
                  person_id=concern.person_id if concern else None)
    needed = Action.ACT_ON_ESCALATION if action in PARTNER_ACTIONS else Action.ROUTE_ESCALATION
    permissions.require(session, actor, needed, scope, now)
    if escalation is None or concern is None:
        raise ActionError(_("There is no concern {reference}.",
                            reference=str(target).split("/")[0]))
    ref = concern.reference
    if action == "route" and escalation.status not in OPEN and _specific(target):
        # Routed (or closed) by someone else since this screen was shown: routing from it
        # again would give the concern a second service without a word.
        raise ActionError(await _changed(session, concern))
    if action in ONLY_OPEN and escalation.status not in OPEN:
        if _specific(target) and actor.partner_id is None:
            # A coordinator's line or page, changed since: say where the concern is now.
            raise ActionError(await _changed(session, concern))
        raise ActionError(_("{reference} is no longer open with you.", reference=ref))
    if action == "ack" and escalation.status is not EscalationStatus.NEW:
        raise ActionError(_("{reference} was already acknowledged.", reference=ref))
    if action == "said":
        if concern.status is not ConcernStatus.RESOLVED:
            raise ActionError(_("You can send this once the concern is resolved."))
        if concern.said_at is not None:
            raise ActionError(_("“You said, we did” was already sent for {reference} on "
                                "{when}.", reference=ref, when=moment(concern.said_at, zone)))
    return escalation, concern


async def _still_with(session: AsyncSession, concern: Concern) -> list[str]:
    """The services that still have ``concern`` open (after the session's changes)."""
    await session.flush()
    return list(await session.scalars(
        select(Partner.name).join(Escalation, Escalation.partner_id == Partner.id)
        .where(Escalation.concern_id == concern.id, Escalation.status.in_(OPEN))
        .order_by(Escalation.id)))


async def _changed(session: AsyncSession, concern: Concern) -> str:
    """What a stale screen's routing is told: where the concern is now."""
    holders = await _still_with(session, concern)
    if holders:
        return _("{reference} has changed since you opened it: it is now with {partners}. "
                 "Nothing was changed.", reference=concern.reference,
                 partners=", ".join(holders))
    return _("{reference} has changed since you opened it. Nothing was changed: please "
             "open it again.", reference=concern.reference)


async def act(session: AsyncSession, actor: Actor, target: int | str, action: str,
              note: str | None, now: datetime, *, partner_id: int | None = None,
              settings: Settings | None = None) -> Outcome:
    """Do ``action`` to an escalation, or raise Forbidden (audited) or ActionError.
    ``settings`` lets a re-routed urgent concern's email carry signed links."""
    escalation, concern = await check(session, actor, target, action, now,
                                      settings.zone if settings else UTC)
    # From a web form as from chat: no control characters ("ok\x01" read "ok^A").
    note = cleaning.text((note or "").strip(), MAX_NOTE + 1).strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise ActionError(_("That is too long. Please keep it under {limit} characters.",
                            limit=number(MAX_NOTE)))
    if action in NEEDS_NOTE and note is None:
        raise NoteNeeded(action)
    partner = await session.get(Partner, escalation.partner_id) if escalation.partner_id else None
    return await _do(session, actor, escalation, concern, partner, action, note, now,
                     partner_id, settings)


async def _do(session: AsyncSession, actor: Actor, escalation: Escalation, concern: Concern,
              partner: Partner | None, action: str, note: str | None, now: datetime,
              partner_id: int | None, settings: Settings | None = None) -> Outcome:
    ref, who, name = concern.reference, actor.label, partner.name if partner else None
    by = actor.role.value if actor.role else "coordinator"
    # Whose step the champion hears of: the service's only when the service took it (a
    # coordinator changing the status says nothing of what the service did).
    acting = name if actor.partner_id is not None else None
    if action == "route":
        return await _route(session, actor, escalation, concern, partner_id, now, settings)
    if action == "note":
        untold = await casenotes.tell_champion(session, concern, concern.status, now,
                                               note=note, by=by, changes_status=False)
        return Outcome(ref, escalation.status, translate(casenotes.UNTOLD[untold]) if untold
                       else _("Your note was sent to the champion."), untold)
    if action == "said":
        count = await _you_said_we_did(session, concern, note or escalation.note or "", now)
        return Outcome(ref, escalation.status, _(
            "Sent to {count} champions of the area.", count=count))
    if action == "ack":
        _change(session, escalation, EscalationStatus.ACKNOWLEDGED, who, now)
        untold = await casenotes.tell_champion(session, concern, ConcernStatus.ACKNOWLEDGED,
                                               now, partner=acting, by=by)
    elif action == "progress":
        _change(session, escalation, EscalationStatus.IN_PROGRESS, who, now)
        untold = await casenotes.tell_champion(session, concern, ConcernStatus.IN_PROGRESS,
                                               now, partner=acting, by=by)
    elif action in ("done", "close"):
        done = action == "done"
        _change(session, escalation, EscalationStatus.RESOLVED if done
                else EscalationStatus.CLOSED, who, now, note)
        others = await _still_with(session, concern)
        if others and acting is None:
            # A coordinator settling one service's part of a concern others still hold: the
            # concern is not dealt with, and the champion hears when it is.
            return Outcome(ref, escalation.status, _(
                "{reference} is now {status} with {partner}. It is still open with "
                "{others}: the champion will hear when it is dealt with there.",
                reference=ref, status=status_label(escalation.status),
                partner=name or "-", others=", ".join(others)))
        # One service's step, told as theirs; the concern itself is settled only when no
        # other service still has it.
        untold = await casenotes.tell_champion(
            session, concern, ConcernStatus.RESOLVED if done else ConcernStatus.CLOSED, now,
            partner=acting if done else None, note=note, by=by, settles=not others)
        if done:
            await _tell_resolved(session, concern, acting, note, now)
    elif action == "notus":
        return await _not_for_us(session, actor, escalation, concern, name, note, now)
    else:
        raise ActionError(_("Sorry, that isn't one of the options. Please send the number of "
                            "your answer."))
    if untold:  # never "the champion has been told" when they were not
        return _not_told(ref, escalation.status, untold)
    return Outcome(ref, escalation.status, _(
        "{reference} is now: {status}. The champion has been told.", reference=ref,
        status=status_label(escalation.status)), untold)


async def _not_for_us(session: AsyncSession, actor: Actor, escalation: Escalation,
                      concern: Concern, name: str | None, reason: str | None, now: datetime
                      ) -> Outcome:
    _change(session, escalation, EscalationStatus.NOT_FOR_US, actor.label, now, reason)
    await _open(session, concern, None, actor.label, now)
    untold = await casenotes.tell_champion(session, concern, ConcernStatus.RETURNED, now,
                                           partner=name,
                                           by=actor.role.value if actor.role else "partner")
    async def render() -> str:
        return "\n\n".join([_(
            "{partner} says concern {reference} is not for them: “{reason}”. Please route it "
            "to another service.", partner=name or "-", reference=concern.reference,
            reason=reason or ""), await casenotes.describe(session, concern, coordinators=True)])

    await casenotes.notify(session, await coordinators.of_area(session, concern.area_id),
                           render, now, kind="notice", about=concern.person_id)
    return Outcome(concern.reference, escalation.status, _(
        "Thank you. {reference} has gone back to the coordinators.",
        reference=concern.reference), untold)


async def partner_removed(session: AsyncSession, partner: Partner, actor: str, now: datetime
                          ) -> int:
    """What a removed partner held goes back: its open escalations close, and each concern
    no other service still holds is open again with the coordinators, to route ("Concerns
    needing routing"). Its champion hears that, and only that; the area's coordinators
    hear which concerns came back, and its contacts in chat that they have none to act on
    any more. How many concerns went back to routing."""
    held = list(await session.scalars(select(Escalation).where(
        Escalation.partner_id == partner.id, Escalation.status.in_(OPEN))
        .order_by(Escalation.id)))
    for escalation in held:
        _change(session, escalation, EscalationStatus.CLOSED, actor, now,
                f"{partner.name} removed")
    await session.flush()
    back: list[Concern] = []
    for escalation in held:
        concern = await session.get(Concern, escalation.concern_id)
        elsewhere = await session.scalar(select(Escalation.id).where(
            Escalation.concern_id == escalation.concern_id, Escalation.status.in_(OPEN))
            .limit(1))
        if concern is None or elsewhere is not None:
            continue  # still with another service (or already back): nothing to route
        await _open(session, concern, None, actor, now)
        await casenotes.tell_champion(session, concern, ConcernStatus.RETURNED, now,
                                      partner=partner.name, removed=True)
        back.append(concern)
    await _tell_back_to_route(session, partner, back, now)

    async def farewell() -> str:
        return _("Your organisation is no longer one of our partner services, so there are "
                 "no concerns here for you to act on.")

    await casenotes.notify(session, await partners.contacts(session, partner.id), farewell, now)
    return len(back)


async def _tell_back_to_route(session: AsyncSession, partner: Partner,
                              concerns: list[Concern], now: datetime) -> None:
    """One word to each coordinator: the concerns of their areas back with them."""
    waiting: dict[int, tuple[Person, Identity, list[str]]] = {}
    for concern in concerns:
        for person, identity in await coordinators.of_area(session, concern.area_id):
            waiting.setdefault(identity.id, (person, identity, []))[2].append(
                concern.reference)
    for person, identity, references in waiting.values():
        async def render(references: list[str] = references) -> str:
            return _("{partner} is no longer a partner service. Back with you, to route to "
                     "another service: {references}.", partner=partner.name,
                     references=", ".join(references))

        await casenotes.notify(session, [(person, identity)], render, now)


async def _tell_resolved(session: AsyncSession, concern: Concern, partner: str | None,
                         note: str | None, now: datetime) -> None:
    """The area's coordinators hear of it, with the way to tell the area's champions;
    ``partner`` is the service that resolved it (None: a coordinator did)."""
    async def render() -> str:
        if partner is None:  # a coordinator resolved it
            return _("Concern {reference} is resolved: “{note}”\nSend SAID {reference} to "
                     "tell the champions of the area (you said, we did).",
                     reference=concern.reference, note=note or "")
        return _("{partner} has resolved concern {reference}: “{note}”\nSend SAID {reference} "
                 "to tell the champions of the area (you said, we did).",
                 partner=partner, reference=concern.reference, note=note or "")

    await casenotes.notify(session, await coordinators.of_area(session, concern.area_id),
                           render, now, kind="notice")


async def _route(session: AsyncSession, actor: Actor, escalation: Escalation, concern: Concern,
                 partner_id: int | None, now: datetime, settings: Settings | None = None
                 ) -> Outcome:
    if partner_id is None:
        raise ActionError(_("Which service? Choose one from the list."))
    partner = await partners.get(session, partner_id)
    open_now = list(await session.scalars(select(Escalation).where(
        Escalation.concern_id == concern.id, Escalation.status.in_(OPEN))))
    if any(current.partner_id == partner.id for current in open_now):
        # Refused before anything is closed: a refusal changes nothing.
        raise ActionError(_("{reference} is already with {partner}.",
                            reference=concern.reference, partner=partner.name))
    for current in open_now:
        if current.partner_id is None or current.id == escalation.id:
            _change(session, current, EscalationStatus.CLOSED, actor.label, now,
                    f"routed to {partner.name}")
            if current.partner_id is not None:
                await _tell_passed_on(session, concern, current.partner_id, partner.name, now)
    made = await _open(session, concern, partner, actor.label, now, settings)
    untold = await casenotes.tell_champion(session, concern, ConcernStatus.PASSED_ON, now,
                                           partner=partner.name, by="coordinator")
    if untold:
        return replace(_not_told(concern.reference, made.status, untold), escalation=made.id)
    return Outcome(concern.reference, made.status, _(
        "{reference} is now with {partner}. The champion has been told.",
        reference=concern.reference, partner=partner.name), untold, made.id)


def _not_told(reference: str, status: EscalationStatus, untold: str) -> Outcome:
    """What to tell whoever acted when the champion could not be told, and why."""
    return Outcome(reference, status, f"{reference}: {translate(casenotes.UNTOLD[untold])}",
                   untold)


async def _tell_passed_on(session: AsyncSession, concern: Concern, partner_id: int,
                          to: str, now: datetime) -> None:
    """The service a concern was taken from hears it is no longer theirs to act on."""
    async def render() -> str:
        return _("{reference} has been passed to {partner} by a coordinator. Nothing more is "
                 "needed from you. Thank you.", reference=concern.reference, partner=to)

    await casenotes.notify(session, await partners.contacts(session, partner_id), render, now)


async def _you_said_we_did(session: AsyncSession, concern: Concern, note: str, now: datetime
                           ) -> int:
    """Tell the champions of the concern's area what was done about it (once: ``check``)."""
    concern.said_at = now
    champions = [pair for pair in await identities.of_people(session, role=Role.CHAMPION)
                 if pair[0].area_id == concern.area_id]

    async def render() -> str:
        return _("You said, we did: a concern about {category} in your area has been dealt "
                 "with. {note}", category=casenotes.category(concern.category), note=note)

    await casenotes.notify(session, champions, render, now, kind="notice")
    return len(champions)


def status_label(status: EscalationStatus) -> str:
    from flows.definitions.casework import STATUS_LABELS

    return translate(STATUS_LABELS[status.value])
