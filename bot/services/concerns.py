"""Concerns: saved with a reference, coordinators told, the champion told when to expect news."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import escalations
from bot.services.coordinators import of_area
from bot.services.events import EventContext, notify
from bot.services.people import area_id
from bot.storage.models import (
    Area,
    Attachment,
    Concern,
    ConcernStatus,
    ConcernUpdate,
    Escalation,
    Partner,
    Person,
)
from flows.definitions.concern import CATEGORIES, URGENCY
from flows.i18n import _, translate
from flows.types import Event, Reply

_CATEGORY = {option.id: option.label for option in CATEGORIES}
_URGENCY = {option.id: option.label for option in URGENCY}
EXCERPT = 300


def excerpt(text: str | None) -> str:
    text = (text or "").strip()
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


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
    red_flag = data.get("_red_flag")
    concern = await _kept_from_red_flag(ctx, description) if red_flag else None
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
    concern.urgency = str(data.get("urgency") or ("at_risk" if red_flag else "feedback"))
    concern.contact_ok = data.get("contact") == "yes"
    concern.red_flag = red_flag or concern.red_flag
    concern.confirmed = True
    concern.updated_at = ctx.now
    await ctx.session.flush()
    for media in data.get("description_media") or ():
        ctx.session.add(Attachment(concern_id=concern.id, channel=ctx.identity.channel,
                                   kind=str(media["kind"]), ref=str(media["ref"])[:500],
                                   content_type=media.get("content_type"),
                                   created_at=ctx.now))
    ctx.reply(Reply(_(
        "Thank you. Your concern is saved as {reference}. A coordinator will look at it within "
        "{days} working days, and you will hear here what happens. You can see it at any time "
        "under \"My concerns\".", reference=concern.reference,
        days=ctx.settings.concern_response_days), language=person.language))
    routed = await escalations.route_concern(ctx.session, concern, ctx.now)
    await tell_coordinators(ctx, concern, person, routed)


async def tell_coordinators(ctx: EventContext, concern: Concern, person: Person,
                            routed: list[Escalation]) -> None:
    """The area's coordinators hear of every concern; urgent ones as alerts."""
    area = await ctx.session.get(Area, concern.area_id) if concern.area_id else None
    urgent = escalations.is_urgent(concern)
    coordinators = await of_area(ctx.session, concern.area_id)
    names = [p.name for p in await ctx.session.scalars(select(Partner).where(
        Partner.id.in_([e.partner_id for e in routed if e.partner_id is not None])))]

    def render() -> str:
        heading = (_("URGENT concern {reference}", reference=concern.reference) if urgent
                   else _("New concern {reference}", reference=concern.reference))
        return "\n".join([
            heading,
            _("About: {category}. Area: {area}. From: {who}.",
              category=translate(_CATEGORY.get(concern.category, concern.category)),
              area=area.name if area else _("not given"),
              who=person.display_name or _("a champion")),
            _("Urgency: {urgency}.", urgency=translate(_URGENCY.get(concern.urgency, "-"))),
            f"“{excerpt(concern.description)}”",
            _("Passed to: {partners}.", partners=", ".join(names)) if names else _(
                "No partner service matches: it needs routing (Concerns needing routing, in "
                "the menu)."),
        ])

    notify(ctx, [pair for pair in coordinators if pair[0].id != person.id], render,
           kind="alert" if urgent else "notice", about=person)
