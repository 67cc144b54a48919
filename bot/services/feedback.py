"""The "Useful / Not clear" answer under a broadcast: recorded, thanked, never in the way.

A button press names its broadcast (its question is ``broadcast.<id>``). On
WhatsApp and the console the answer is ``1`` or ``2``, taken as feedback when the
broadcast is the last thing we sent (its question is the last one on their
screen), whatever they were doing before it came; someone in the middle of
something is thanked and asked their question again (bot.services.inbound). Any
other message goes on as usual.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.fanout import ANSWERS, broadcast_of
from bot.storage.broadcasts import Broadcast, BroadcastFeedback, BroadcastRecipient
from bot.storage.database import insert_for
from bot.storage.models import SHOWN, Identity, OutboxMessage, Person
from flows.commands import first_word
from flows.i18n import _, language
from flows.types import Inbound


async def answered(session: AsyncSession, identity: Identity, person: Person | None,
                   inbound: Inbound, now: datetime, *, carrying_on: bool = False
                   ) -> str | None:
    """Record the answer if this message is one; the thanks to send, else None.
    ``carrying_on``: they are in the middle of something, whose question follows."""
    if person is None:
        return None
    found = await _answer(session, identity, inbound)
    if found is None:
        return None
    broadcast_id, answer = found
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return None
    code = await session.scalar(select(BroadcastRecipient.language).where(
        BroadcastRecipient.broadcast_id == broadcast_id,
        BroadcastRecipient.person_id == person.id)) or person.language
    insert = insert_for(session)
    statement = insert(BroadcastFeedback).values(
        broadcast_id=broadcast_id, library_message_id=broadcast.library_message_id,
        person_id=person.id, language=code, answer=answer, created_at=now)
    await session.execute(statement.on_conflict_do_update(
        index_elements=["broadcast_id", "person_id"],
        set_={"answer": answer, "created_at": now}))
    with language(person.language):
        if carrying_on:
            return _("Thank you, that helps us improve our messages.")
        return _("Thank you, that helps us improve our messages. Send {menu} for the menu.",
                 menu=first_word("menu"))


def pressed(inbound: Inbound) -> bool:
    """A "Useful" or "Not clear" button pressed: always an answer to its broadcast."""
    return broadcast_of(inbound.choice_question) is not None and inbound.choice_id in ANSWERS


def typed(inbound: Inbound) -> bool:
    """"1" or "2" typed: an answer if the broadcast is the last thing we sent them."""
    return not inbound.choice_id and (inbound.text or "").strip() in ("1", "2")


async def _shown_last(session: AsyncSession, channel: str, address: str) -> int | None:
    """The broadcast that is the last message we sent to this address, once it was sent."""
    last = (await session.execute(
        select(OutboxMessage.broadcast_id, OutboxMessage.status)
        .where(OutboxMessage.channel == channel, OutboxMessage.address == address)
        .order_by(OutboxMessage.id.desc()).limit(1))).first()
    if last is None or last.broadcast_id is None or last.status not in SHOWN:
        return None
    return int(last.broadcast_id)


async def _answer(session: AsyncSession, identity: Identity, inbound: Inbound
                  ) -> tuple[int, str] | None:
    if pressed(inbound):
        number = broadcast_of(inbound.choice_question)
        assert number is not None and inbound.choice_id is not None
        return number, inbound.choice_id
    if not typed(inbound):
        return None
    broadcast_id = await _shown_last(session, identity.channel, identity.address)
    if broadcast_id is None:
        return None
    return broadcast_id, ANSWERS[int((inbound.text or "").strip()) - 1]
