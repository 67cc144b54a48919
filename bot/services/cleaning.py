"""What people send, made safe to keep: once, at the edge, for every channel.

Whatever a platform or a terminal hands us may hold bytes no database keeps:
a NUL (PostgreSQL refuses it in text and JSON), a lone UTF-16 surrogate (from a
JSON escape like ``"\\ud83d"`` or undecodable bytes read from a pipe: no UTF-8
encoding exists for it), other control characters, or the same letter written
two ways. The one inbound path cleans each message here before anything reads it,
so no flow, service or table ever sees such text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from flows.types import MAX_INBOUND_TEXT, Inbound, Location, Media

KEPT_CONTROLS = frozenset("\n\t")
MAX_ADDRESS = 64  # the identity and outbox columns
MAX_MESSAGE_ID = 128
MAX_LABEL = 200
MAX_REF = 500
MAX_SHORT = 100


def text(value: str, limit: int = MAX_INBOUND_TEXT) -> str:
    """Valid, normalised (NFC) text without control characters, at most ``limit`` long.

    Line breaks are kept (``\\r\\n`` and ``\\r`` become ``\\n``), and tabs; a lone
    surrogate becomes U+FFFD (the replacement character), a valid pair its character.
    """
    if not value.isascii() or not value.isprintable():
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        value = "".join(c for c in value if c in KEPT_CONTROLS
                        or unicodedata.category(c) != "Cc")
        value = unicodedata.normalize("NFC", value)
    return value[:limit]


def _optional(value: str | None, limit: int) -> str | None:
    return text(value, limit) if value is not None else None


def inbound(message: Inbound) -> Inbound:
    """The message with every string in it cleaned; ``truncated`` if its text was cut."""
    body = None
    truncated = message.truncated
    if message.text is not None:
        whole = text(message.text, limit=len(message.text) + 1)
        body = whole[:MAX_INBOUND_TEXT]
        truncated = truncated or len(whole) > MAX_INBOUND_TEXT
    location = message.location
    if location is not None:
        location = Location(location.latitude, location.longitude,
                            _optional(location.label, MAX_LABEL) or None)
    return replace(
        message,
        address=text(message.address, MAX_ADDRESS),
        message_id=text(message.message_id, MAX_MESSAGE_ID),
        text=body,
        truncated=truncated,
        choice_id=_optional(message.choice_id, MAX_SHORT),
        choice_question=_optional(message.choice_question, MAX_SHORT),
        location=location,
        media=tuple(Media(text(m.kind, 16), text(m.ref, MAX_REF),
                          _optional(m.content_type, MAX_SHORT)) for m in message.media),
        language_hint=_optional(message.language_hint, 35),
    )
