"""Concerns: saved with a reference, coordinators told (or the alert waits for the first),
the champion told truthfully what happens next."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import alerts, attachments, escalations
from bot.services.events import EventContext
from bot.services.people import area_id
from bot.storage.models import Area, Concern, ConcernStatus, ConcernUpdate, Partner
from flows.i18n import _
from flows.safety import AWAY, TOLD
from flows.types import Event, Reply


async def _kept_from_red_flag(ctx: EventContext, description: str) -> Concern | None:
    """The urgent record a red flag made from these same words, if the flow came after it."""
    assert ctx.person is not None
    return await ctx.session.scalar(
        select(Concern).where(Concern.person_id == ctx.person.id,
                              Concern.confirmed.is_(False), Concern.description == description,
                              Concern.created_at >= ctx.now - timedelta(days=1))
        .order_by(Concern.id.desc()).limit(1))


async def raised(ctx: EventContext, event: Event) -> None:
    person = ctx.person
    if person is None:
        return
    data = event.data
    description = str(data.get("description") or "")
    # A red flag seen in the flow marks only the concern whose words raised it: the record
    # kept then, if these are its words. Any other concern (danger words sent at another
    # question are a concern of their own) has the urgency the champion gave it.
    concern = (await _kept_from_red_flag(ctx, description) if data.get("_red_flag")
               else None)
    kept = concern is not None
    if concern is None:
        concern = Concern(person_id=person.id, status=ConcernStatus.RECEIVED,
                          created_at=ctx.now, language=person.language)
        ctx.session.add(concern)
        ctx.session.add(ConcernUpdate(concern=concern, status=ConcernStatus.RECEIVED,
                                      by_role="champion", created_at=ctx.now))
    concern.category = str(data["category"])
    concern.description = description
    concern.affects = data.get("affects")
    concern.area_id = area_id(data.get("area")) if "area" in data else person.area_id
    # The kept record was alerted as urgent: it stays so, whatever was chosen since.
    concern.urgency = "at_risk" if kept else str(data.get("urgency") or "feedback")
    concern.contact_ok = data.get("contact") == "yes"
    concern.confirmed = True
    concern.updated_at = ctx.now
    await ctx.session.flush()
    await attachments.keep(ctx.session, concern, ctx.identity.channel,
                           data.get("description_media") or (), ctx.now)
    routed = await escalations.route_concern(ctx.session, concern, ctx.now, ctx.settings)
    names = [p.name for p in await ctx.session.scalars(select(Partner).where(
        Partner.id.in_([e.partner_id for e in routed if e.partner_id is not None])))]
    area = await ctx.session.get(Area, concern.area_id) if concern.area_id else None
    urgent = escalations.is_urgent(concern)
    reach = await alerts.to_coordinators(ctx, "concern", {
        "reference": concern.reference, "category": concern.category, "urgency": concern.urgency,
        "area": area.name if area else None, "name": person.display_name,
        "text": concern.description, "partners": names,
        "files": len(data.get("description_media") or ()), "urgent": urgent},
        urgent=urgent, about=person, area_id=concern.area_id)
    ctx.reply(Reply(_saved(ctx, concern.reference, urgent, reach), language=person.language))


def _saved(ctx: EventContext, reference: str, urgent: bool, reach: str) -> str:
    """What saving promises: urgent wording for urgent concerns, and only what is true."""
    if not urgent:
        return _("Thank you. Your concern is saved as {reference}. A coordinator will look at it "
                 "within {days} working days, and you will hear here what happens. You can see "
                 "it at any time under \"My concerns\".", reference=reference,
                 days=ctx.settings.concern_response_days)
    if reach == TOLD:
        first = _("Thank you. Your concern is saved as {reference}, marked urgent, and your "
                  "coordinator has been told now.", reference=reference)
    elif reach == AWAY:  # paused or unreachable: it waits for the first back
        first = _("Thank you. Your concern is saved as {reference} and marked urgent. No "
                  "coordinator can be reached right now: it will be shown to the first one "
                  "who is back.", reference=reference)
    else:
        first = _("Thank you. Your concern is saved as {reference} and marked urgent. There "
                  "is no coordinator yet: the first one to join will see it straight away.",
                  reference=reference)
    return first + "\n" + _("If anyone is in danger right now, call {emergency}.",
                            emergency=ctx.settings.emergency_number)
