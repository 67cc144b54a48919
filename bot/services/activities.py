"""Logging activities, and thanking the champion with their running total."""

from __future__ import annotations

from datetime import date

from bot.services import views
from bot.services.events import EventContext
from bot.services.people import area_id
from bot.storage.models import Activity
from flows.definitions.activity import MINUTES
from flows.i18n import ngettext, number
from flows.types import Event, Reply


async def logged(ctx: EventContext, event: Event) -> None:
    person = ctx.person
    if person is None:
        return
    data = event.data
    area = area_id(data.get("area")) if "area" in data else person.area_id
    ctx.session.add(Activity(
        person_id=person.id,
        kind=str(data["what"]),
        kind_other=data.get("what_other"),
        topic=str(data["topic"]),
        happened_on=date.fromisoformat(str(data["when"])),
        area_id=area,
        venue=str(data["venue"]),
        people_reached=int(data["reached"]),
        minutes_given=MINUTES.get(str(data.get("time"))),
        note=data.get("note") or None,
        created_at=ctx.now,
    ))
    await ctx.session.flush()
    today = ctx.now.astimezone(ctx.settings.zone).date()
    reached = await views.people_this_month(ctx.session, person, today)
    ctx.reply(Reply(ngettext("Thank you! That makes {count} person reached this month.",
                             "Thank you! That makes {count} people reached this month.",
                             reached, count=number(reached)),
                    language=person.language))
