"""Signed session cookies: who is signed in, their form token, and an idle expiry.

The cookie holds the person's id, a random CSRF token and the time it was last used,
signed with the dashboard secret. Each page view re-signs it, so a session ends after
IDLE of doing nothing, or at once on sign-out (the cookie is cleared).
"""

from __future__ import annotations

import hmac
import secrets as random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "champbot_session"
IDLE = timedelta(minutes=30)
PURPOSE = "dashboard-session"


@dataclass(frozen=True)
class Session:
    person_id: int
    csrf: str
    seen: int  # when last used, seconds since the epoch


def start(person_id: int, now: datetime) -> Session:
    return Session(person_id, random.token_urlsafe(24), int(now.timestamp()))


def encode(secret: str, session: Session, now: datetime) -> str:
    return URLSafeSerializer(secret, salt=PURPOSE).dumps(
        {"p": session.person_id, "c": session.csrf, "s": int(now.timestamp())})


def decode(secret: str, cookie: str | None, now: datetime) -> Session | None:
    """The session in ``cookie``, or None if it is missing, forged or idle too long."""
    if not cookie:
        return None
    try:
        data: Any = URLSafeSerializer(secret, salt=PURPOSE).loads(cookie)
        session = Session(int(data["p"]), str(data["c"]), int(data["s"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if now.timestamp() - session.seen > IDLE.total_seconds():
        return None
    return session


def csrf_ok(session: Session, sent: object) -> bool:
    return isinstance(sent, str) and hmac.compare_digest(session.csrf, sent)


def cookie_options(secure: bool) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/dashboard"}
