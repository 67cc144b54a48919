"""Invite codes: made by coordinators, checked and used up by people joining."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import permissions
from bot.services.problems import Count, Problem
from bot.storage.models import Invite, Partner, Role
from flows.conversation import InviteCheck
from flows.i18n import N_
from flows.invites import new_code

# What a coordinator may ask for (the command line's `champbot invite` and the dashboard's
# form alike, through ``limits``).
MAX_USES = 500
MAX_DAYS = 365


class OutOfRange(Problem):
    """A number of uses or days an invite code cannot have (bot.services.problems)."""


@dataclass(frozen=True)
class Made:
    code: str
    role: Role
    expires_at: datetime
    max_uses: int


def _whole(value: int | str) -> int | None:
    if isinstance(value, int):
        return value
    text = value.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def limits(uses: int | str, days: int | str = 30) -> tuple[int, int]:
    """How many people may join with a new code and for how many days, as whole numbers
    within what a coordinator may make; OutOfRange (nothing made) otherwise."""
    people = _whole(uses)
    if people is None or not 1 <= people <= MAX_USES:
        raise OutOfRange(N_("The number of people who may join with one code must be a whole "
                            "number from 1 to {most}."), about="uses", most=Count(MAX_USES))
    valid = _whole(days)
    if valid is None or not 1 <= valid <= MAX_DAYS:
        raise OutOfRange(N_("The number of days a code stays valid must be a whole number "
                            "from 1 to {most}."), about="days", most=Count(MAX_DAYS))
    return people, valid


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
    if invite is None:
        return "unknown"
    if invite.revoked_at is not None:
        return "withdrawn"
    if invite.expires_at <= now:
        return "expired"
    if invite.uses >= invite.max_uses:
        return "used_up"
    return None


async def trouble(session: AsyncSession, invite: Invite | None, now: datetime) -> str | None:
    """Why ``invite`` cannot be used now (None: it can). A partner's code joins people to
    its organisation only while that is a partner service (permissions): removing
    it withdraws its unused codes (``withdraw_for_partner``), and a code of a partner
    removed before that was done is refused here all the same."""
    found = problem(invite, now)
    if found is None and invite is not None and invite.role is Role.PARTNER:
        partner = await session.get(Partner, invite.partner_id) if invite.partner_id else None
        if not permissions.is_partner_service(partner):
            return "withdrawn"
    return found


async def find(session: AsyncSession, code: str) -> Invite | None:
    return await session.scalar(select(Invite).where(Invite.code == code))


async def check(session: AsyncSession, code: str, now: datetime) -> InviteCheck:
    invite = await find(session, code)
    if invite is None:
        return InviteCheck(code, problem="unknown")
    found = await trouble(session, invite, now)
    if found:
        return InviteCheck(code, problem=found, made_for=invite.role.value)
    return InviteCheck(code, role=invite.role.value, made_for=invite.role.value)


async def withdraw_for_partner(session: AsyncSession, partner_id: int, now: datetime) -> int:
    """End a partner's invite codes that could still be used (when it is removed); how
    many there were."""
    ended = 0
    for invite in await session.scalars(select(Invite).where(
            Invite.partner_id == partner_id, Invite.revoked_at.is_(None),
            Invite.expires_at > now, Invite.uses < Invite.max_uses)):
        invite.revoked_at = now
        ended += 1
    return ended


def links(code: str, bot_username: str | None) -> tuple[str | None, str]:
    """The Telegram deep link (None until the bot's username is set) and the WhatsApp text
    that join with ``code``."""
    link = f"https://t.me/{bot_username}?start={code}" if bot_username else None
    return link, f"JOIN {code}"
