"""The fields of Twilio's WhatsApp webhook as one Inbound."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from bot.channels.whatsapp import CHANNEL, keywords, numbers
from flows import languages
from flows.types import MAX_INBOUND_TEXT, Inbound, Location, Media

MAX_MEDIA = 10  # WhatsApp sends at most one; Twilio's fields allow ten


class Malformed(ValueError):
    """A signed request without what every message has (a sid, a sender)."""


def parse(fields: Mapping[str, str], now: datetime) -> Inbound:
    message_id = fields.get("MessageSid", "").strip()
    if not message_id:
        raise Malformed("MessageSid is missing")
    sender = fields.get("From") or (f"+{fields['WaId']}" if fields.get("WaId") else "")
    if not sender:
        raise Malformed("From is missing")
    try:
        address = numbers.e164(sender)
    except numbers.BadNumber:
        raise Malformed("From is not a phone number") from None
    # ProfileName is deliberately not kept: people choose what we call them.
    button = fields.get("ButtonPayload", "").strip() or None
    text = fields.get("Body", "") or fields.get("ButtonText", "")
    return Inbound(
        channel=CHANNEL,
        address=address,
        message_id=message_id,
        received_at=now,
        text=text[:MAX_INBOUND_TEXT] or None,
        truncated=len(text) > MAX_INBOUND_TEXT,
        choice_id=button or keywords.command_for(text),
        location=_location(fields),
        media=_media(fields),
        language_hint=languages.from_calling_code(address),
    )


def _media(fields: Mapping[str, str]) -> tuple[Media, ...]:
    count = fields.get("NumMedia", "0").strip()
    found = []
    for index in range(min(int(count) if count.isdigit() else 0, MAX_MEDIA)):
        url = fields.get(f"MediaUrl{index}", "").strip()
        if not url:
            continue
        content_type = fields.get(f"MediaContentType{index}", "").strip()[:100] or None
        found.append(Media(_kind(content_type), url[:500], content_type))
    return tuple(found)


def _kind(content_type: str | None) -> str:
    family = (content_type or "").split("/", 1)[0]
    if family == "image":
        return "photo"
    if family == "audio":
        # WhatsApp voice notes are Opus in Ogg; other audio is a shared file.
        return "voice" if "ogg" in (content_type or "") else "audio"
    return "video" if family == "video" else "document"


def _location(fields: Mapping[str, str]) -> Location | None:
    try:
        latitude = float(fields.get("Latitude", ""))
        longitude = float(fields.get("Longitude", ""))
    except ValueError:
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None
    label = (fields.get("Address") or fields.get("Label") or "").strip()[:200] or None
    return Location(latitude, longitude, label)
