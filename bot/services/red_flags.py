"""A message that may mean someone is in danger: keep it, mark it urgent, alert coordinators now.

The person has already been shown the emergency numbers by the engine. With no
coordinator who can be reached now, the alert waits for the first to join or be back
(``alerts.to_coordinators``).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import alerts, attachments, escalations
from bot.services.events import EventContext
from bot.storage.models import Concern, ConcernStatus, ConcernUpdate
from flows.types import Event

CATEGORY = {"suicide": "mental_health", "self_harm": "mental_health",
            "violence": "safeguarding", "child_at_risk": "safeguarding",
            "abuse": "safeguarding"}
# The same words again this soon (sent twice, or again at a question asked again) were
# already kept and alerted: not a second concern, nor a second alert.
REPEAT_WINDOW = timedelta(minutes=15)


async def detected(ctx: EventContext, event: Event) -> None:
    kind = str(event.data.get("category"))
    text = str(event.data.get("text") or "")
    person = ctx.person
    values: dict[str, object] = {"kind": kind, "text": text}
    if person is not None and await ctx.session.scalar(select(Concern.id).where(
            Concern.person_id == person.id, Concern.red_flag.is_not(None),
            Concern.description == text, Concern.created_at >= ctx.now - REPEAT_WINDOW
    ).limit(1)) is not None:
        return
    if person is not None:
        # Kept for safety even if the person then saves nothing: they are told so, and
        # it shows in "My concerns" and MY DATA like every other record.
        concern = Concern(person_id=person.id, category=CATEGORY.get(kind, "other"),
                          description=text, urgency="at_risk", red_flag=kind, confirmed=False,
                          status=ConcernStatus.RECEIVED, language=person.language,
                          area_id=person.area_id, created_at=ctx.now, updated_at=ctx.now)
        ctx.session.add(concern)
        ctx.session.add(ConcernUpdate(concern=concern, status=ConcernStatus.RECEIVED,
                                      by_role="system", created_at=ctx.now))
        await ctx.session.flush()
        await attachments.keep(ctx.session, concern, ctx.identity.channel,
                               event.data.get("media") or (), ctx.now)
        # On the coordinators' lists at once (to route, to follow), not only in the alert.
        await escalations.for_coordinators(ctx.session, concern, ctx.now)
        values.update(reference=concern.reference, name=person.display_name)
    else:
        values.update(channel=ctx.identity.channel, address=ctx.identity.address)
    await alerts.to_coordinators(ctx, "red_flag", values, urgent=True, about=person,
                                area_id=person.area_id if person is not None else None)
