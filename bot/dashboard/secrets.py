"""The dashboard's signing key: the one key bot.services.links decides (SECRET_KEY when
set, else the random secret kept in the database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import links
from bot.settings import Settings


async def secret(session: AsyncSession, settings: Settings, now: datetime) -> str:
    return await links.key(session, settings, now)
