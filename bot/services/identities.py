"""Identities: the (channel, address) pairs people write from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Identity, Person, Role, Status


async def find(session: AsyncSession, channel: str, address: str) -> Identity | None:
    return await session.scalar(
        select(Identity).where(Identity.channel == channel, Identity.address == address)
    )


async def find_or_create(
    session: AsyncSession, channel: str, address: str, now: datetime
) -> Identity:
    identity = await find(session, channel, address)
    if identity is None:
        identity = Identity(channel=channel, address=address, created_at=now)
        session.add(identity)
        await session.flush()
    return identity


async def of_people(session: AsyncSession, role: Role) -> list[tuple[Person, Identity]]:
    """Reachable identities of the active people with a role (e.g. every coordinator)."""
    query = (
        select(Person, Identity)
        .join(Identity, Identity.person_id == Person.id)
        .where(Person.status == Status.ACTIVE, Identity.unreachable_at.is_(None),
               Identity.opted_out_at.is_(None))
        .where(Person.role == role)
        .order_by(Person.id, Identity.id)
    )
    return [(p, i) for p, i in (await session.execute(query)).all()]
