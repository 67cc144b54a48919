"""The "Useful / Not clear" answer under a broadcast: recorded, thanked, never in the way.

A button press names its broadcast (its question is ``broadcast.<id>``). On
WhatsApp and the console the answer is ``1`` or ``2``, taken as feedback only
when the broadcast is the last thing we sent and the person is not in the middle
of something (at the menu or idle); any other message goes on as usual.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.fanout import ANSWERS, broadcast_of
from bot.storage.broadcasts import Broadcast, BroadcastFeedback, BroadcastRecipient
from bot.storage.database import insert_for
from bot.storage.models import Identity, OutboxMessage, OutboxStatus, Person
from flows.commands import first_word
from flows.conversation import Conversation
from flows.i18n import _, language
from flows.types import Inbound

SHOWN = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.READ)


async def answered(session: AsyncSession, identity: Identity, person: Person | None,
                   state: Conversation, inbound: Inbound, now: datetime) -> str | None:
    """Record the answer if this message is one; the thanks to send, else None."""
    if person is None:
        return None
    found = await _answer(session, identity, state, inbound)
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
        return _("Thank you, that helps us improve our messages. Send {menu} for the menu.",
                 menu=first_word("menu"))


def may_answer(state: Conversation, inbound: Inbound) -> bool:
    """Whether this message may answer a broadcast's question (then ``answered`` looks)."""
    pressed = broadcast_of(inbound.choice_question)
    return (pressed is not None and inbound.choice_id in ANSWERS) or _typed_answer(
        state, inbound)


def _typed_answer(state: Conversation, inbound: Inbound) -> bool:
    """"1" or "2" typed at the menu may answer the broadcast just shown."""
    text = (inbound.text or "").strip()
    return not inbound.choice_id and text in ("1", "2") and state.flow in (None, "menu")


async def _answer(session: AsyncSession, identity: Identity, state: Conversation,
                  inbound: Inbound) -> tuple[int, str] | None:
    pressed = broadcast_of(inbound.choice_question)
    if pressed is not None and inbound.choice_id in ANSWERS:
        return pressed, inbound.choice_id
    if not _typed_answer(state, inbound):
        return None
    text = (inbound.text or "").strip()
    last = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.channel == identity.channel,
                                    OutboxMessage.address == identity.address)
        .order_by(OutboxMessage.id.desc()).limit(1))
    if last is None or last.broadcast_id is None or last.status not in SHOWN:
        return None
    return last.broadcast_id, ANSWERS[int(text) - 1]
