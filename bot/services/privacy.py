"""Erasure (FORGET): personal details, identities and free text go; anonymous counts stay."""

from __future__ import annotations

from sqlalchemy import delete, update

from bot.services.events import EventContext
from bot.storage.models import Consent, Identity, OutboxMessage, Status
from flows.types import Event


async def erase(ctx: EventContext, event: Event) -> None:
    person = ctx.person
    if person is None:
        return
    session = ctx.session
    await session.execute(delete(OutboxMessage).where(OutboxMessage.person_id == person.id))
    await session.delete(ctx.identity)
    await session.execute(delete(Identity).where(Identity.person_id == person.id))
    await session.execute(
        update(Consent)
        .where(Consent.person_id == person.id, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=ctx.now)
    )
    person.display_name = None
    person.topics = []
    person.language = ctx.settings.default_language
    person.status = Status.ERASED
    person.erased_at = ctx.now
    person.updated_at = ctx.now
    ctx.forgotten = True
