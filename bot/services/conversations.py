"""Loading and saving a chat's conversation state, and the facts the engine reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import areas, invites, people
from bot.settings import Settings
from bot.storage.models import Conversation as ConversationRow
from bot.storage.models import Identity, OutboxMessage, OutboxStatus, Person
from flows.conversation import Area as AreaFact
from flows.conversation import Conversation, Facts
from flows.invites import extract_code
from flows.types import Inbound


def _upsert(insert: Any) -> Any:
    statement = insert(_TABLE)
    return statement.on_conflict_do_update(
        index_elements=["identity_id"],
        set_={"state": statement.excluded.state, "updated_at": statement.excluded.updated_at})


_TABLE: Table = cast(Table, ConversationRow.__table__)
# Built once: the same statements serve every turn.
_SAVE = {"sqlite": _upsert(sqlite_insert), "postgresql": _upsert(pg_insert)}
_HELD = (select(OutboxMessage.id)
         .where(OutboxMessage.channel == Identity.channel,
                OutboxMessage.address == Identity.address,
                OutboxMessage.status == OutboxStatus.HELD)
         .exists())
_ARRIVAL = (
    select(Identity, Person, ConversationRow.state, ConversationRow.updated_at,
           _HELD.label("held"))
    .outerjoin(Person, Person.id == Identity.person_id)
    .outerjoin(ConversationRow, ConversationRow.identity_id == Identity.id)
    .where(Identity.channel == bindparam("channel"), Identity.address == bindparam("address")))


@dataclass
class Arrival:
    """Everything a turn starts from, read in one statement."""
    identity: Identity | None
    person: Person | None
    conversation: Conversation
    held: bool  # messages wait for this address to write (see outbox.release_held)


async def arrival(session: AsyncSession, channel: str, address: str) -> Arrival:
    """The identity writing from (channel, address), its person, its conversation, and
    whether messages wait for it to write: one statement instead of four."""
    row = (await session.execute(_ARRIVAL, {"channel": channel, "address": address})).first()
    if row is None:
        return Arrival(None, None, Conversation(), held=False)
    identity, person, state, updated_at, held = row
    conversation = Conversation() if state is None else Conversation.from_dict(state, updated_at)
    return Arrival(identity, person, conversation, bool(held))


async def load(session: AsyncSession, identity: Identity) -> Conversation:
    row = await session.scalar(
        select(ConversationRow).where(ConversationRow.identity_id == identity.id)
    )
    if row is None:
        return Conversation()
    return Conversation.from_dict(row.state, row.updated_at)


async def save(
    session: AsyncSession, identity: Identity, conversation: Conversation, now: datetime
) -> None:
    """One statement: insert the chat's state, or replace it."""
    await session.execute(_SAVE[session.get_bind().dialect.name], {
        "identity_id": identity.id, "state": conversation.to_dict(), "updated_at": now})


async def area_facts(session: AsyncSession) -> tuple[AreaFact, ...]:
    return tuple(AreaFact(str(id_), name) for id_, name in await areas.names(session))


async def facts_for(
    session: AsyncSession, settings: Settings, inbound: Inbound, person: Person | None,
    now: datetime,
) -> Facts:
    invite = None
    if person is None:
        code = extract_code(inbound.text)
        if code:
            invite = await invites.check(session, code, now)
    return Facts(
        profile=people.profile(person),
        areas=await area_facts(session),
        invite=invite,
        open_registration=settings.open_registration,
        programme_name=settings.programme_name,
        default_language=settings.default_language,
        idle_timeout=settings.conversation_timeout,
        timezone=settings.zone,
        emergency=settings.emergency,
        concern_response_days=settings.concern_response_days,
    )
