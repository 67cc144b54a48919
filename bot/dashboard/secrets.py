"""The dashboard's signing secret: random, made once, kept in the database so that every
process (`champbot run`, a CLI command printing a link) signs and checks alike."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.dashboard import AppSecret
from bot.storage.database import insert_for

NAME = "dashboard"


async def secret(session: AsyncSession, now: datetime) -> str:
    found = await session.scalar(select(AppSecret.value).where(AppSecret.name == NAME))
    if found:
        return found
    insert = insert_for(session)
    await session.execute(insert(AppSecret).values(
        name=NAME, value=secrets.token_urlsafe(48), created_at=now
    ).on_conflict_do_nothing(index_elements=["name"]))
    return str(await session.scalar(select(AppSecret.value).where(AppSecret.name == NAME)))
