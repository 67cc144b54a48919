"""Loading and saving a chat's conversation state, and the facts the engine reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.services import areas, invites, people
from bot.settings import Settings
from bot.storage import turn_commit
from bot.storage.models import Conversation as ConversationRow
from bot.storage.models import Identity, OutboxMessage, OutboxStatus, Person, Role, Status
from bot.storage.turn_commit import ARRIVAL_COLUMNS
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
    # The conversation's row as read (its time and JSON text), when read for a
    # one-statement turn: what its write checks is still there (bot.storage.turn_commit).
    seen_at: datetime | None = None
    seen_state: str | None = None


async def arrival(session: AsyncSession, channel: str, address: str) -> Arrival:
    """The identity writing from (channel, address), its person, its conversation, and
    whether messages wait for it to write: one statement instead of four."""
    row = (await session.execute(_ARRIVAL, {"channel": channel, "address": address})).first()
    if row is None:
        return Arrival(None, None, Conversation(), held=False)
    identity, person, state, updated_at, held = row
    conversation = Conversation() if state is None else Conversation.from_dict(state, updated_at)
    return Arrival(identity, person, conversation, bool(held))


async def quick_arrival(engine: AsyncEngine, channel: str, address: str) -> Arrival:
    """``arrival`` read straight through the driver, for a one-statement turn
    (bot.storage.turn_commit). The identity and person are plain objects, in no session:
    such a turn only reads them."""
    row = await turn_commit.arrival(engine, channel, address)
    if row is None:
        return Arrival(None, None, Conversation(), held=False)
    identity = Identity(**{c: row[f"i_{c}"] for c in ARRIVAL_COLUMNS["identity"]})
    person = None
    if row["p_id"] is not None:
        values = {c: row[f"p_{c}"] for c in ARRIVAL_COLUMNS["person"]}
        person = Person(**values | {"role": Role(values["role"]),
                                    "status": Status(values["status"]),
                                    "topics": json.loads(values["topics"] or "[]")})
    if row["state"] is None:
        return Arrival(identity, person, Conversation(), bool(row["held"]))
    conversation = Conversation.from_dict(json.loads(row["state"]), row["updated_at"])
    return Arrival(identity, person, conversation, bool(row["held"]),
                   seen_at=row["updated_at"], seen_state=row["state"])


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
