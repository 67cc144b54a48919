"""Loading and saving a chat's conversation state, and the facts the engine reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import invites, people
from bot.settings import Settings
from bot.storage.database import insert_for
from bot.storage.models import Area, Identity, Person
from bot.storage.models import Conversation as ConversationRow
from flows.conversation import Area as AreaFact
from flows.conversation import Conversation, Facts
from flows.invites import extract_code
from flows.types import Inbound


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
    state = conversation.to_dict()
    await session.execute(
        insert_for(session)(ConversationRow)
        .values(identity_id=identity.id, state=state, updated_at=now)
        .on_conflict_do_update(index_elements=["identity_id"],
                               set_={"state": state, "updated_at": now}))


async def area_facts(session: AsyncSession) -> tuple[AreaFact, ...]:
    areas = await session.scalars(select(Area).order_by(Area.name))
    return tuple(AreaFact(str(area.id), area.name) for area in areas)


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
