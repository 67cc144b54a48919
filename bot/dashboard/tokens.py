"""One-time sign-in links for the dashboard (15 minutes, used once): signed links of
purpose "signin" from the shared service (bot/services/links.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import links
from bot.settings import Settings

LIFETIME = timedelta(minutes=15)
PURPOSE = "signin"


class BadLink(Exception):
    """The link cannot sign anyone in; ``reason`` is forged, expired or used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def make_signin_link(session: AsyncSession, settings: Settings, base_url: str,
                           person_id: int, now: datetime) -> str:
    """A link that signs ``person_id`` in once, within LIFETIME of ``now``."""
    token = links.sign(await links.key(session, settings, now), PURPOSE,
                       {"person": person_id}, now=now, valid_for=LIFETIME)
    return f"{base_url.rstrip('/')}/dashboard/signin/{token}"


async def redeem_signin_token(session: AsyncSession, settings: Settings, token: str,
                              now: datetime) -> int:
    """The person a link signs in, marking it used; raises BadLink."""
    key = await links.key(session, settings, now)
    try:
        link = links.verify(key, token, PURPOSE, now=now)
        person = int(link.subject["person"])
        await links.use(session, link, now)
    except links.LinkExpired:
        raise BadLink("expired") from None
    except links.LinkUsed:
        raise BadLink("used") from None
    except (links.LinkError, KeyError, ValueError):
        raise BadLink("forged") from None
    return person


__all__ = ["BadLink", "make_signin_link", "redeem_signin_token"]
