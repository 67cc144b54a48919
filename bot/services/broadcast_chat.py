"""A broadcast confirmed in chat becomes the same broadcast the CLI makes.

It is recorded in the turn's transaction, due now or at the chosen time; the
scheduler's next tick (within half a minute) writes it to the outbox, so a turn
stays short however large the audience.
"""

from __future__ import annotations

from datetime import datetime

from bot.services import broadcasts, coordinators, permissions
from bot.services.events import EventContext, Refused
from flows.i18n import _
from flows.types import Event


async def confirmed(ctx: EventContext, event: Event) -> None:
    person = ctx.person
    if person is None:
        raise Refused(_("Sorry, only coordinators can send broadcasts."))
    data = event.data
    added = {str(k): str(v) for k, v in dict(data.get("translations") or {}).items()}
    library = data.get("source") == "library"
    texts = added if library else {ctx.settings.default_language: str(data["text"]), **added}
    area = data.get("audience")
    when = data.get("time")
    request = broadcasts.Request(
        texts=texts, library_message=str(data["message"]) if library else None,
        audience="all" if area in (None, "all") else {"areas": [str(area)]},
        at=datetime.fromisoformat(str(when)) if when else ctx.now)
    # As the dashboard and the CLI see them: a coordinator given areas sends only there.
    actor = await coordinators.actor_of(ctx.session, person)
    try:
        await broadcasts.create_in(ctx.session, ctx.settings, actor, request, ctx.now)
    except permissions.Forbidden:
        raise Refused(_("Sorry, only coordinators can send broadcasts.")) from None
    except broadcasts.BroadcastError as problem:
        raise Refused(_("Sorry, that broadcast could not be saved: {reason}. Nothing was "
                        "sent.", reason=problem.translated())) from None
