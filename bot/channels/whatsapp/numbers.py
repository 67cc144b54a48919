"""WhatsApp numbers as Twilio writes them (``whatsapp:+447700900123``) and as we keep them."""

from __future__ import annotations

import functools

import phonenumbers

PREFIX = "whatsapp:"


class BadNumber(ValueError):
    pass


def e164(value: str) -> str:
    """``whatsapp:+44 7700 900123`` → ``+447700900123``; BadNumber if it is no phone number."""
    return _e164(value)


@functools.lru_cache(maxsize=4096)  # the same few thousand numbers write and are written to
def _e164(value: str) -> str:
    raw = value.strip().removeprefix(PREFIX).strip()
    if not raw.startswith("+"):
        raw = "+" + raw  # Twilio's WaId is the number without its plus
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        raise BadNumber("not a phone number") from None
    # "Possible" rather than "valid": numbering plans change faster than the
    # library's metadata, and WhatsApp has already checked that the number exists.
    if not phonenumbers.is_possible_number(number):
        raise BadNumber("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def channel_address(number: str) -> str:
    """What Twilio expects in To and From: ``whatsapp:+447700900123``."""
    return PREFIX + e164(number)
