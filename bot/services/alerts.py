"""What coordinators are told, and alerts that wait while no coordinator can receive them.

An alert is rendered from plain values in each reader's language. It goes to the
coordinators of its area; to every coordinator when no coordinator covers the area at
all, and, if urgent, when none of the area's can be reached now. With nobody to receive
it now (no coordinator yet; or every one it is for paused by STOP or unreachable), it is
kept as a ``WaitingAlert``, and the first of them who can be reached receives what
waited: one who joins, one who sends START, one unreachable who writes again
(``deliver_waiting``). The person who caused it is told the truth meanwhile (``reach``;
see ``flows.safety.emergency_message``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import coordinators as by_area
from bot.services import identities
from bot.services.casenotes import EXCERPT as EXCERPT
from bot.services.casenotes import excerpt
from bot.services.events import EventContext, notify
from bot.storage.models import Identity, Person, Role, Status, WaitingAlert
from flows.definitions.concern import CATEGORIES, URGENCY
from flows.i18n import N_, _, number, translate
from flows.safety import AWAY, NONE, TOLD

_CATEGORY = {option.id: option.label for option in CATEGORIES}
_URGENCY = {option.id: option.label for option in URGENCY}
DANGER = {
    "suicide": N_("thoughts of suicide"),
    "self_harm": N_("self-harm"),
    "chest_pain": N_("chest pain"),
    "stroke": N_("signs of a stroke"),
    "breathing": N_("difficulty breathing"),
    "violence": N_("violence"),
    "child_at_risk": N_("a child at risk"),
    "abuse": N_("abuse"),
    "emergency": N_("an emergency"),
}


def _red_flag(v: Mapping[str, Any]) -> str:
    """Whose words they are, without claiming the writer is the one in danger."""
    if v.get("reference"):
        who = v.get("name") or _("A champion")
        reach = _("Concern {reference}. Reach them through champbot.", reference=v["reference"])
    else:
        # Not joined, so no consent yet: shared only because a life may be at risk.
        who = _("Someone who has not joined yet")
        reach = _("Contact: {channel} {address}.", channel=v["channel"], address=v["address"])
    return "\n".join([
        _("URGENT, possible danger ({kind}). {who} reported:",
          kind=translate(DANGER.get(v["kind"], v["kind"])), who=who),
        f"“{excerpt(v['text'])}”",
        reach,
        _("They were shown the emergency numbers. Please contact them as soon as you can."),
    ])


def _concern(v: Mapping[str, Any]) -> str:
    # Urgent as the champion was told (at risk, or urgent by its category: safeguarding);
    # "urgent" is absent from alerts kept before it was written, which went by urgency.
    urgent = v.get("urgent", v["urgency"] == "at_risk")
    heading = (_("URGENT concern {reference}", reference=v["reference"]) if urgent
               else _("New concern {reference}", reference=v["reference"]))
    lines = [
        heading,
        _("About: {category}. Area: {area}. From: {who}.",
          category=translate(_CATEGORY.get(v["category"], v["category"])),
          area=v.get("area") or _("not given"), who=v.get("name") or _("a champion")),
        _("Urgency: {urgency}.", urgency=translate(_URGENCY.get(v["urgency"], "-"))),
        # No words: a photo or voice note is the concern (no empty quotes).
        f"“{excerpt(v['text'])}”" if (v.get("text") or "").strip()
        else _("(in the photos and voice notes)"),
    ]
    if "partners" in v:  # where routing sent it
        lines.append(_("Passed to: {partners}.", partners=", ".join(v["partners"]))
                     if v["partners"] else _(
                         "No partner service matches: it needs routing (Concerns needing "
                         "routing, in the menu)."))
    if v.get("files"):  # they follow once fetched (see concern_media.follow_up)
        lines.append(_("Photos or voice notes still being fetched: {count}. They will follow.",
                       count=number(int(v["files"]))))
    return "\n".join(lines)


RENDER: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "red_flag": _red_flag, "concern": _concern}


async def coordinators(session: AsyncSession, besides: Person | None,
                       area_id: int | None = None, *, urgent: bool = False
                       ) -> list[tuple[Person, Identity]]:
    """The coordinators an alert reaches now (never the person it is about): those of the
    area (and those with no areas), or every coordinator when no area is known. Every
    coordinator too when no coordinator covers the area at all (waiting for its first to
    join could be for ever, and the champion was promised an answer), and for an urgent
    alert when none of the area's can be reached right now: someone may be in danger."""
    return (await _plan(session, besides, area_id, urgent=urgent))[0]


async def _plan(session: AsyncSession, besides: Person | None, area_id: int | None, *,
                urgent: bool) -> tuple[list[tuple[Person, Identity]], str]:
    """Who an alert reaches now (``coordinators``), and, when nobody, whose it is while it
    waits: AREA_ONLY (the area's coordinators: a routine alert from an area some
    coordinator covers, who exists but can't be reached now), AWAY (any coordinator, some
    of whom exist) or NONE (no coordinator yet)."""
    found = await _reachable(session, besides, area_id)
    if found:
        return found, TOLD
    if area_id is not None and not urgent and await by_area.any_of_area(
            session, area_id, besides.id if besides else None):
        return [], AREA_ONLY
    if area_id is not None:
        found = await _reachable(session, besides, None)
        if found:
            return found, TOLD
    there = await by_area.any_of_area(session, None, besides.id if besides else None)
    return [], AWAY if there else NONE


async def _reachable(session: AsyncSession, besides: Person | None, area_id: int | None
                     ) -> list[tuple[Person, Identity]]:
    found = (await by_area.of_area(session, area_id) if area_id is not None
             else await identities.of_people(session, role=Role.COORDINATOR))
    return [pair for pair in found if besides is None or pair[0].id != besides.id]


AREA_ONLY = "area"  # waits for the area's coordinators, who exist (reach: AWAY)


async def reach(session: AsyncSession, besides: Person | None,
                area_id: int | None = None, *, urgent: bool = False) -> str:
    """What an alert about ``besides`` in ``area_id`` would do: TOLD, it reaches a
    coordinator now; AWAY, it waits for coordinators who exist but can't be reached now
    (paused by STOP, or unreachable); NONE, it waits for the first to join."""
    outcome = (await _plan(session, besides, area_id, urgent=urgent))[1]
    return AWAY if outcome == AREA_ONLY else outcome


AREA = "_area_id"  # in a waiting alert's values: the area whose coordinators it waits for


async def to_coordinators(ctx: EventContext, kind: str, values: Mapping[str, Any], *,
                          urgent: bool, about: Person | None, area_id: int | None = None) -> str:
    """Tell the area's coordinators now, or keep the alert for the first of them who can
    be reached (``deliver_waiting``); what happened, as ``reach`` says it."""
    recipients, outcome = await _plan(ctx.session, about, area_id, urgent=urgent)
    if recipients:
        notify(ctx, recipients, lambda: RENDER[kind](values),
               kind="alert" if urgent else "notice", about=about)
        return TOLD
    ctx.session.add(WaitingAlert(
        kind=kind, values={**values, AREA: area_id if outcome == AREA_ONLY else None},
        about_person_id=about.id if about else None,
        channel=None if about else ctx.identity.channel,
        address=None if about else ctx.identity.address, created_at=ctx.now))
    return AWAY if outcome == AREA_ONLY else outcome


def _renderer(alert: WaitingAlert) -> Callable[[], str]:
    return lambda: RENDER[alert.kind](alert.values)


async def deliver_waiting(ctx: EventContext, coordinator: Person, identity: Identity) -> None:
    """A coordinator can be reached: they have just joined, sent START after STOP, or
    written again after being unreachable. What waited for a coordinator of their areas
    (all of it, for one with no areas) goes to them now, and waits no more."""
    areas = await by_area.areas_of(ctx.session, coordinator.id)
    waiting = list(await ctx.session.scalars(select(WaitingAlert).order_by(WaitingAlert.id)))
    for alert in waiting:
        area = alert.values.get(AREA)
        if areas and area is not None and area not in areas:
            continue  # for another area's coordinators
        if alert.about_person_id == coordinator.id:
            continue  # never the person it is about
        about = (await ctx.session.get(Person, alert.about_person_id)
                 if alert.about_person_id else None)
        notify(ctx, [(coordinator, identity)], _renderer(alert), kind="alert", about=about)
        await ctx.session.delete(alert)


async def back(ctx: EventContext) -> None:
    """The person writing was unreachable, or paused, and can be reached again: a
    coordinator among them receives what waited (as one who joins does)."""
    person, identity = ctx.person, ctx.identity
    if (person is not None and person.role is Role.COORDINATOR
            and person.status == Status.ACTIVE and identity.unreachable_at is None
            and identity.opted_out_at is None and not ctx.forgotten):
        await deliver_waiting(ctx, person, identity)


async def forget_about(session: AsyncSession, person_id: int | None = None,
                       channel: str | None = None, address: str | None = None) -> None:
    """Erase waiting alerts carrying a person's or a number's details."""
    if person_id is not None:
        await session.execute(delete(WaitingAlert).where(
            WaitingAlert.about_person_id == person_id))
    if channel is not None and address is not None:
        await session.execute(delete(WaitingAlert).where(
            WaitingAlert.channel == channel, WaitingAlert.address == address))
