"""Applying what partners and coordinators do to escalations in chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import coordinators, escalations
from bot.services.events import EventContext
from bot.services.permissions import Forbidden
from bot.settings import Settings
from bot.storage.models import Person
from flows.i18n import _, language
from flows.types import Event, Reply


def _not_yours(reference: str) -> str:
    return _("Sorry, {reference} is not one of your service's concerns.", reference=reference)


async def refusal(session: AsyncSession, person: Person, action: str, reference: str,
                  settings: Settings, now: datetime) -> str:
    """Why ``action`` on ``reference`` would be refused now, in the person's language; ""
    when it would not (as far as can be known before its note or confirmation)."""
    with language(person.language):
        try:
            await escalations.check(session, await coordinators.actor_of(session, person),
                                    reference, action, now, settings.zone)
        except Forbidden:
            return _not_yours(reference)
        except escalations.ActionError as error:
            return error.message
    return ""


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
            str(data.get("_target") or data.get("_reference")), action,
            str(note) if note else None, ctx.now,
            partner_id=int(partner) if isinstance(partner, str) and partner.isdigit() else None,
            settings=ctx.settings)
        message = outcome.message
    except Forbidden:
        message = _not_yours(str(data.get("_reference")))
    except escalations.ActionError as error:
        message = error.message
    ctx.reply(Reply(message, language=person.language))
