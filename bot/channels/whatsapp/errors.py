"""What Twilio's error codes mean for a message: wait, retry later, or give up (and why).

Reasons name the code and our own words, never Twilio's message text, which
can contain the phone number.
"""

from __future__ import annotations

from bot.channels.base import Rejected, RetryLater, SendResult, Unreachable

WINDOW_CLOSED = 63016  # outside the 24 hours: only an approved template may go

# The number can't get WhatsApp messages from us: stop trying it at all.
UNREACHABLE = {
    21211: "not a valid phone number",
    21614: "not a mobile number",
    21610: "the number has unsubscribed",
    63003: "the number is not on WhatsApp",
    63024: "not a valid WhatsApp recipient",
}
# Worth another go later (the dispatcher's backoff decides when).
TRANSIENT = {
    20429: "too many requests",
    30001: "Twilio's queue was full",
    63018: "WhatsApp's rate limit",
}


def window_closed(code: int | None) -> bool:
    return code == WINDOW_CLOSED


def describe(code: int | None) -> str:
    if code is None:
        return "twilio: no error code"
    meaning = UNREACHABLE.get(code) or TRANSIENT.get(code)
    if code == WINDOW_CLOSED:
        meaning = "outside the 24-hour window"
    return f"twilio {code}: {meaning}" if meaning else f"twilio {code}"


def classify(status: int, code: int | None) -> SendResult:
    """A refused API request (not 63016, which the sender answers with a template)."""
    if code in UNREACHABLE:
        return Unreachable(describe(code))
    if status == 429 or status >= 500 or code in TRANSIENT:
        return RetryLater(f"HTTP {status}, {describe(code)}")
    if status in (401, 403):
        # Our credentials, not the message: keep it until someone fixes the settings.
        return RetryLater(f"HTTP {status}: Twilio refused our credentials ({describe(code)})")
    return Rejected(f"HTTP {status}, {describe(code)}")
