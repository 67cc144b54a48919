"""Joining: the person is created only when they finish, with the consent they gave."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from bot.services import alerts, identities, invites
from bot.services.events import EventContext, Refused, notify
from bot.services.people import area_id
from bot.storage.models import Consent, OutboxMessage, Person, Role, Status
from flows.definitions.joining import CONSENT_VERSION
from flows.i18n import _
from flows.types import Event


async def joined(ctx: EventContext, event: Event) -> None:
    data = event.data
    invite_answer = data.get("code") or {}
    role, status, partner_id = Role.CHAMPION, Status.ACTIVE, None
    if invite_answer:
        invite = await invites.find(ctx.session, str(invite_answer.get("code")))
        if invite is None or await invites.trouble(ctx.session, invite, ctx.now):
            raise Refused(_("Sorry, that invite code can't be used any more. Please ask your "
                            "coordinator for a new one and send it to me."))
        invite.uses += 1
        role, partner_id = invite.role, invite.partner_id
    elif ctx.settings.open_registration:
        status = Status.PENDING
    else:
        raise Refused(_("Sorry, you need an invite code to join. Please ask your coordinator."))

    person = Person(
        role=role,
        status=status,
        display_name=data.get("name"),
        language=str(data.get("language") or ctx.settings.default_language),
        area_id=area_id(data.get("area")),
        topics=list(data.get("topics") or []),
        partner_id=partner_id,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(person)
    await ctx.session.flush()
    ctx.identity.person_id = person.id
    ctx.person = person
    given = data.get("consent_at")
    ctx.session.add(Consent(
        person_id=person.id,
        version=CONSENT_VERSION,
        given_at=datetime.fromisoformat(given) if isinstance(given, str) else ctx.now,
    ))
    if role == Role.COORDINATOR and status == Status.ACTIVE:
        await alerts.deliver_waiting(ctx, person, ctx.identity)
    if status == Status.PENDING:
        coordinators = await identities.of_people(ctx.session, role=Role.COORDINATOR)
        name = person.display_name or _("(no name given)")
        notify(ctx, coordinators, lambda: _(
            "{name} has registered and is waiting for approval. Approve them with: "
            "champbot people approve {id}", name=name, id=person.id), about=person)


async def forget_identity(ctx: EventContext, event: Event) -> None:
    """Someone who never joined said no or stopped: keep nothing about them."""
    if ctx.identity.person_id is None:
        identity = ctx.identity
        await ctx.session.execute(delete(OutboxMessage).where(
            OutboxMessage.channel == identity.channel, OutboxMessage.address == identity.address))
        await alerts.forget_about(ctx.session, channel=identity.channel, address=identity.address)
        await ctx.session.delete(identity)
        ctx.forgotten = True
