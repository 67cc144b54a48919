"""Applying what partners and coordinators do to escalations in chat."""

from __future__ import annotations

from bot.services import coordinators, escalations
from bot.services.events import EventContext
from bot.services.permissions import Forbidden
from flows.i18n import _
from flows.types import Event, Reply


async def acted(ctx: EventContext, event: Event) -> None:
    person = ctx.person
    if person is None:
        return
    data = event.data
    action = str(data.get("_action"))
    if action == "status":
        action = str(data.get("status"))
    note = data.get("_note") or data.get("note")
    partner = data.get("partner")
    try:
        outcome = await escalations.act(
            ctx.session, await coordinators.actor_of(ctx.session, person),
            str(data.get("_reference")), action, str(note) if note else None, ctx.now,
            partner_id=int(partner) if isinstance(partner, str) and partner.isdigit() else None,
            settings=ctx.settings)
        message = outcome.message
    except Forbidden:
        message = _("Sorry, {reference} is not one of your service's concerns.",
                    reference=str(data.get("_reference")))
    except escalations.ActionError as error:
        message = error.message
    ctx.reply(Reply(message, language=person.language))
