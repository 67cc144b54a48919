"""Invite codes as people type them: "JOIN K7M4Q9TX", "/start k7m4-q9tx" or just the code."""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
_CODE = re.compile(r"^[A-Z0-9]{4,16}$")
_LEAD = re.compile(r"^\s*(/start|join)\b[\s:]*", re.IGNORECASE)


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def extract_code(text: str | None) -> str | None:
    """The invite code in a message, normalised (upper case, no spaces or dashes)."""
    if not text:
        return None
    rest = _LEAD.sub("", text.strip())
    candidate = re.sub(r"[\s\-_]", "", rest).upper()
    return candidate if _CODE.match(candidate) else None


def is_explicit(text: str | None) -> bool:
    """Whether the message says it is a code ("JOIN …" or a /start deep link)."""
    return bool(text and _LEAD.match(text))
