"""Signed links: a token that says what it is for (purpose), about what (subject), until when.

Tokens are signed (itsdangerous) with the one signing key ``key`` decides: SECRET_KEY when
it is set, else a random secret made once and kept in the database (app_secrets), so that
every process signs and checks alike. Nobody can make a token or change what it says;
the expiry is inside the token and checked against our clock. A
one-time link is recorded as used when its action is done (``used_links``), so a
second use is refused even before it expires.
"""

from __future__ import annotations

import secrets as random
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from bot.storage.dashboard import AppSecret
from bot.storage.database import insert_for
from bot.storage.links import UsedLink

SALT = "champbot.link"
ACT_PATH = "/act/"
STORED = "dashboard"  # the name of the stored random secret (app_secrets)
Subject = Mapping[str, str | int]


class LinkError(Exception):
    """A link that cannot be used; ``reason`` names why (for pages and logs)."""

    reason = "invalid"


class LinkForged(LinkError):
    reason = "forged"


class LinkExpired(LinkError):
    reason = "expired"

    def __init__(self, message: str, link: Link | None = None) -> None:
        super().__init__(message)
        self.link = link  # ours, only late: its language still says how to answer


class LinkWrongPurpose(LinkError):
    reason = "wrong_purpose"


class LinkUsed(LinkError):
    reason = "used"


@dataclass(frozen=True)
class Link:
    purpose: str
    subject: dict[str, str | int]
    expires_at: datetime
    nonce: str
    once: bool
    language: str | None = None


async def key(session: AsyncSession, settings: Settings, now: datetime) -> str:
    """The one signing key for links, sign-in links and dashboard sessions: SECRET_KEY when
    set, else the stored random secret (made on first use)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    found = await session.scalar(select(AppSecret.value).where(AppSecret.name == STORED))
    if found:
        return found
    await session.execute(insert_for(session)(AppSecret).values(
        name=STORED, value=random.token_urlsafe(48), created_at=now
    ).on_conflict_do_nothing(index_elements=["name"]))
    return str(await session.scalar(select(AppSecret.value).where(AppSecret.name == STORED)))


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def sign(secret: str, purpose: str, subject: Subject, *, now: datetime, valid_for: timedelta,
         once: bool = True, language: str | None = None) -> str:
    """A token for ``purpose`` about ``subject`` (small ids, e.g. {"escalation": 7,
    "partner": 2}), valid until ``now + valid_for``; ``language`` picks the page's."""
    data: dict[str, Any] = {
        "p": purpose, "s": dict(subject), "e": int((now + valid_for).timestamp()),
        "n": random.token_urlsafe(12), "o": 1 if once else 0,
    }
    if language:
        data["l"] = language
    return str(_serializer(secret).dumps(data))


def read(secret: str, token: str, *, now: datetime) -> Link:
    """The link in ``token``; LinkForged if we did not sign it, LinkExpired if past its time."""
    try:
        data = _serializer(secret).loads(token)
        link = Link(purpose=str(data["p"]), subject=dict(data["s"]),
                    expires_at=datetime.fromtimestamp(int(data["e"]), UTC),
                    nonce=str(data["n"]), once=bool(data["o"]), language=data.get("l"))
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkForged("this link was not made by us, or was changed") from None
    if now >= link.expires_at:
        raise LinkExpired(f"this link expired at {link.expires_at:%Y-%m-%d %H:%M} UTC", link)
    return link


def verify(secret: str, token: str, purpose: str | Collection[str], *, now: datetime) -> Link:
    """The link in ``token`` if it is ours, for ``purpose`` (one or several) and not expired.

    Raises LinkForged, LinkWrongPurpose or LinkExpired, in that order of checking.
    Whether a one-time link was used is a database question: see ``is_used`` / ``use``.
    """
    try:
        data = _serializer(secret).loads(token)
        found = str(data["p"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkForged("this link was not made by us, or was changed") from None
    wanted = {purpose} if isinstance(purpose, str) else set(purpose)
    if found not in wanted:
        raise LinkWrongPurpose(f"this link is for {found!r}, not {' or '.join(sorted(wanted))}")
    return read(secret, token, now=now)


async def is_used(session: AsyncSession, link: Link) -> bool:
    return link.once and await session.scalar(
        select(UsedLink.id).where(UsedLink.nonce == link.nonce)) is not None


async def use(session: AsyncSession, link: Link, now: datetime) -> None:
    """Record a one-time link as used, in the transaction of its action; LinkUsed if it was.
    (Two uses at the same moment: the second fails on the unique nonce at commit.)"""
    if not link.once:
        return
    if await is_used(session, link):
        raise LinkUsed("this link was already used")
    session.add(UsedLink(nonce=link.nonce, purpose=link.purpose, used_at=now,
                         expires_at=link.expires_at))
    await session.flush()


async def sweep(session: AsyncSession, now: datetime) -> int:
    """Forget used links once they have expired anyway."""
    result = await session.execute(delete(UsedLink).where(UsedLink.expires_at < now))
    return int(getattr(result, "rowcount", 0) or 0)


def url(settings: Settings, token: str) -> str:
    """The absolute address of the page acting on ``token`` (PUBLIC_BASE_URL/act/<token>)."""
    if not settings.public_base_url:
        raise ValueError("PUBLIC_BASE_URL is needed to build links")
    return settings.public_base_url.rstrip("/") + ACT_PATH + token


def action_url(settings: Settings, purpose: str, subject: Subject, *, now: datetime,
               valid_for: timedelta, once: bool = True, language: str | None = None) -> str:
    """``sign`` with SECRET_KEY, then ``url``: the link to put in an email."""
    return url(settings, sign(settings.secret, purpose, subject, now=now, valid_for=valid_for,
                              once=once, language=language))
