"""Opting out: after STOP (or an equivalent), a number gets one confirmation and nothing else.

The opt-out is kept on the identity (``identities.opted_out_at``), for people who
joined and for numbers that never did, so no part of the system (broadcasts,
alerts, reminders, replies) reaches that number: the dispatcher refuses every
row to it except the confirmation written with the opt-out and the replies to what
the person writes afterwards. START, JOIN or an invite code lifts it; an emergency
is answered as for anyone; HELP and MENU are always answered with a reminder of START
(flows.danger.ASKED), and anything else gets that reminder at most once a day.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import identities, invites
from bot.storage.models import Identity
from flows import commands
from flows.invites import extract_code, is_explicit
from flows.types import Inbound

Intent = Literal["stop", "start"]


def intent(inbound: Inbound) -> Intent | None:
    """Whether a message opts out or back in (a channel may map its own words to /stop, /start)."""
    if inbound.choice_id == "/stop":
        return "stop"
    if inbound.choice_id == "/start":
        return "start"
    command = commands.detect(inbound.text)
    if command is not None and command.name == "stop":
        return "stop"
    if command is not None and command.name == "start":
        return "start"
    return None


async def admit(session: AsyncSession, identity: Identity, inbound: Inbound) -> bool:
    """Lift the opt-out if this message opts back in; whether the number is still paused.

    A paused number is still heard: the engine answers an emergency at once and
    reminds the person how to resume (whenever they ask for HELP or MENU, otherwise at
    most once a day); nothing else is sent.
    """
    if identity.opted_out_at is None:
        return False
    if intent(inbound) == "start" or is_explicit(inbound.text) or await _names_invite(
            session, inbound.text):
        identity.opted_out_at = None
        return False
    return True


async def remember(session: AsyncSession, inbound: Inbound, now: datetime) -> None:
    """After the turn that confirmed a STOP, keep the opt-out against the number.

    When someone who never joined stops, their identity has just been deleted
    with everything else about them; the number comes back with only the opt-out.
    """
    if intent(inbound) != "stop":
        return
    identity = await identities.find_or_create(session, inbound.channel, inbound.address, now)
    identity.opted_out_at = now
    identity.last_inbound_at = now  # they just wrote: the confirmation may go as a reply


async def _names_invite(session: AsyncSession, text: str | None) -> bool:
    code = extract_code(text)
    return code is not None and await invites.find(session, code) is not None
