"""Loading and saving a chat's conversation state, and the facts the engine reads."""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.services import areas, invites, partners, people
from bot.settings import Settings
from bot.storage import turn_commit
from bot.storage.models import Conversation as ConversationRow
from bot.storage.models import Identity, OutboxMessage, Person, Role, Status, held
from bot.storage.turn_commit import ARRIVAL_COLUMNS
from flows.conversation import Area as AreaFact
from flows.conversation import Conversation, Facts
from flows.invites import extract_code, is_explicit
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
                held("outbox"))  # in literals: read from the index of held rows
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
    seen: Seen | None = None  # for a one-statement turn (bot.storage.turn_commit)


@dataclass(frozen=True)
class Seen:
    """What a one-statement turn read, which its write checks is still so: the
    conversation's time and JSON text, and the person's columns as one text."""
    at: datetime
    state: str
    person: str


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
                   seen=Seen(row["updated_at"], row["state"], row["person_seen"]))


class RecentArrivals:
    """What the last one-statement turn of each person who wrote lately left, kept in
    this process to start their next turn without reading it again: that turn's write
    checks all of it is still so (bot.storage.turn_commit), and any other outcome
    forgets it. Bounded in number, and kept a few minutes at most (it holds a name)."""

    def __init__(self, size: int = 10_000, keep: timedelta = timedelta(minutes=5)) -> None:
        self._size = size
        self._keep = keep
        self._kept: OrderedDict[tuple[str, str], tuple[datetime, Arrival]] = OrderedDict()

    def get(self, channel: str, address: str, now: datetime) -> Arrival | None:
        found = self._kept.get((channel, address))
        if found is None:
            return None
        if not found[0] <= now < found[0] + self._keep:
            del self._kept[(channel, address)]
            return None
        return found[1]

    def keep(self, channel: str, address: str, arrival: Arrival, state: dict[str, Any],
             state_text: str, now: datetime) -> None:
        """After a turn that saved ``state`` (as ``state_text``) at ``now``."""
        self._kept[(channel, address)] = (now, replace(
            arrival, conversation=Conversation.from_dict(state, now), held=False,
            seen=replace(arrival.seen, at=now, state=state_text) if arrival.seen else None))
        self._kept.move_to_end((channel, address))
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)

    def forget(self, channel: str, address: str) -> None:
        self._kept.pop((channel, address), None)


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
    if person is None or is_explicit(inbound.text):
        # Someone who has joined and sends a code ("JOIN K7M4Q9TX", a /start link) is told
        # they have (flows.navigation.code_when_joined).
        code = extract_code(inbound.text)
        if code:
            invite = await invites.check(session, code, now)
    partner = await partners.of_contact(session, person) if person is not None else None
    return Facts(
        profile=people.profile(person, partner),
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
