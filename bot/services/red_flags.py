"""A message that may mean someone is in danger: keep it, mark it urgent, alert coordinators now.

The person has already been shown the emergency numbers by the engine.
"""

from __future__ import annotations

from bot.services import identities
from bot.services.concerns import excerpt
from bot.services.coordinators import of_area
from bot.services.events import EventContext, notify
from bot.storage.models import Concern, ConcernStatus, ConcernUpdate, Role
from flows.i18n import N_, _, translate
from flows.types import Event

KINDS = {
    "suicide": N_("thoughts of suicide"),
    "self_harm": N_("self-harm"),
    "chest_pain": N_("chest pain"),
    "stroke": N_("signs of a stroke"),
    "breathing": N_("difficulty breathing"),
    "violence": N_("violence"),
    "child_at_risk": N_("a child at risk"),
    "abuse": N_("abuse"),
}
CATEGORY = {"suicide": "mental_health", "self_harm": "mental_health",
            "violence": "safeguarding", "child_at_risk": "safeguarding",
            "abuse": "safeguarding"}


async def detected(ctx: EventContext, event: Event) -> None:
    kind = str(event.data.get("category"))
    text = str(event.data.get("text") or "")
    person = ctx.person
    reference = None
    if person is not None:
        concern = Concern(person_id=person.id, category=CATEGORY.get(kind, "other"),
                          description=text, urgency="at_risk", red_flag=kind, confirmed=False,
                          status=ConcernStatus.RECEIVED, language=person.language,
                          area_id=person.area_id, created_at=ctx.now, updated_at=ctx.now)
        ctx.session.add(concern)
        ctx.session.add(ConcernUpdate(concern=concern, status=ConcernStatus.RECEIVED,
                                      by_role="system", created_at=ctx.now))
        await ctx.session.flush()
        reference = concern.reference
    # The area's coordinators; for someone not joined (no area known) every coordinator.
    coordinators = (await of_area(ctx.session, person.area_id) if person is not None
                    else await identities.of_people(ctx.session, role=Role.COORDINATOR))
    channel, address = ctx.identity.channel, ctx.identity.address

    def render() -> str:
        if person is not None:
            who = person.display_name or _("A champion")
            reach = _("Concern {reference}. Reach them through champbot.", reference=reference)
        else:
            # Not joined, so no consent yet: shared only because a life may be at risk.
            who = _("Someone who has not joined yet")
            reach = _("Contact: {channel} {address}.", channel=channel, address=address)
        return "\n".join([
            _("URGENT: {who} may be in danger ({kind}). They have been shown the emergency "
              "numbers.", who=who, kind=translate(KINDS.get(kind, kind))),
            f"“{excerpt(text)}”",
            reach,
            _("Please contact them as soon as you can."),
        ])

    notify(ctx, [pair for pair in coordinators if person is None or pair[0].id != person.id],
           render, kind="alert", about=person)
