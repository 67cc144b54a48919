"""Invite codes: made by coordinators, checked and used up by people joining."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Invite, Role
from flows.conversation import InviteCheck
from flows.invites import new_code


@dataclass(frozen=True)
class Made:
    code: str
    role: Role
    expires_at: datetime
    max_uses: int


async def create(
    session: AsyncSession, role: Role, now: datetime, *, uses: int = 1, days: int = 30,
    code: str | None = None, partner_id: int | None = None,
) -> Made:
    while code is None:
        candidate = new_code()
        if await session.scalar(select(Invite.id).where(Invite.code == candidate)) is None:
            code = candidate
    invite = Invite(code=code, role=role, max_uses=uses, uses=0, partner_id=partner_id,
                    expires_at=now + timedelta(days=days), created_at=now)
    session.add(invite)
    await session.flush()
    return Made(code, role, invite.expires_at, uses)


def problem(invite: Invite | None, now: datetime) -> str | None:
    if invite is None or invite.revoked_at is not None:
        return "unknown"
    if invite.expires_at <= now:
        return "expired"
    if invite.uses >= invite.max_uses:
        return "used_up"
    return None


async def find(session: AsyncSession, code: str) -> Invite | None:
    return await session.scalar(select(Invite).where(Invite.code == code))


async def check(session: AsyncSession, code: str, now: datetime) -> InviteCheck:
    invite = await find(session, code)
    trouble = problem(invite, now)
    if invite is None or trouble:
        return InviteCheck(code, problem=trouble)
    return InviteCheck(code, role=invite.role.value)


def links(code: str, bot_username: str | None) -> tuple[str | None, str]:
    """The Telegram deep link (None until the bot's username is set) and the WhatsApp text
    that join with ``code``."""
    link = f"https://t.me/{bot_username}?start={code}" if bot_username else None
    return link, f"JOIN {code}"
