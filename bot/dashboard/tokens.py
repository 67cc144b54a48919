"""One-time sign-in links for the dashboard (15 minutes, used once).

Kept behind two functions so that they can later be re-pointed at the shared signed-link
service (bot/services/links.py) without touching their callers.
"""

from __future__ import annotations

import secrets as random
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.secrets import secret
from bot.storage.dashboard import UsedSigninToken

LIFETIME = timedelta(minutes=15)
PURPOSE = "dashboard-signin"


class BadLink(Exception):
    """The link cannot sign anyone in; ``reason`` is forged, expired or used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def _serializer(session: AsyncSession, now: datetime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(await secret(session, now), salt=PURPOSE)


async def make_signin_link(session: AsyncSession, base_url: str, person_id: int,
                           now: datetime) -> str:
    """A link that signs ``person_id`` in once, within LIFETIME of ``now``."""
    serializer = await _serializer(session, now)
    token = serializer.dumps({"p": person_id, "n": random.token_urlsafe(16),
                              "t": int(now.timestamp())})
    return f"{base_url.rstrip('/')}/dashboard/signin/{token}"


async def redeem_signin_token(session: AsyncSession, token: str, now: datetime) -> int:
    """The person a link signs in, marking it used; raises BadLink."""
    serializer = await _serializer(session, now)
    try:
        data = serializer.loads(token)
    except BadSignature:
        raise BadLink("forged") from None
    if not isinstance(data, dict) or not {"p", "n", "t"} <= data.keys():
        raise BadLink("forged")
    # The time inside the token, against our clock (tests drive a fake one).
    if now.timestamp() - int(data["t"]) > LIFETIME.total_seconds() or (
            int(data["t"]) - now.timestamp() > 60):
        raise BadLink("expired")
    nonce = str(data["n"])
    if await session.scalar(select(UsedSigninToken.nonce).where(
            UsedSigninToken.nonce == nonce)) is not None:
        raise BadLink("used")
    await session.execute(delete(UsedSigninToken).where(
        UsedSigninToken.used_at < now - 2 * LIFETIME))
    session.add(UsedSigninToken(nonce=nonce, person_id=int(data["p"]), used_at=now))
    await session.flush()
    return int(data["p"])


__all__ = ["BadLink", "make_signin_link", "redeem_signin_token"]
