"""What the dispatcher needs from a channel: a sender, its limits, and send results."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from starlette.routing import BaseRoute

from bot.settings import Settings
from flows.types import Reply

# Kinds of bulk traffic (a broadcast to many): sent in their own lane, after
# conversation messages, and never resent blindly when their outcome is unknown.
BULK_KINDS = ("broadcast",)


@dataclass(frozen=True)
class Outgoing:
    id: int
    channel: str
    address: str
    reply: Reply
    kind: str
    attempts: int
    person_id: int | None = None
    # When the recipient last wrote to us (some platforms only allow free-form
    # messages for a while after that, e.g. WhatsApp's 24 hours).
    last_inbound_at: datetime | None = None
    # Named values the writer attached (e.g. a concern's reference), for
    # channels that fill approved templates instead of sending the text.
    values: Mapping[str, str] = field(default_factory=dict)
    # The row's whole payload, for what a channel carries beyond a Reply (an email's
    # subject, HTML part and attachments).
    payload: Mapping[str, Any] = field(default_factory=dict)
    # Set when a dispatcher died while sending this message: the time of that claim.
    # Whether it reached the person is unknown (bot.outcomes decides what to do).
    uncertain_since: datetime | None = None

    @property
    def bulk(self) -> bool:
        return self.kind in BULK_KINDS


@dataclass(frozen=True)
class Delivered:
    provider_id: str | None = None


@dataclass(frozen=True)
class RetryLater:
    reason: str
    after: float | None = None  # seconds, when the platform said how long


@dataclass(frozen=True)
class Unreachable:
    """The person blocked us or the address is gone: stop sending to it."""

    reason: str


@dataclass(frozen=True)
class Rejected:
    """A permanent refusal of this message: retrying would fail the same way."""

    reason: str


@dataclass(frozen=True)
class Held:
    """Not sent yet, by the platform's rules: kept until the recipient next writes to us.

    ``provider_id`` is set when a notice (e.g. an approved template) went out in its place.
    """

    reason: str
    provider_id: str | None = None


@dataclass(frozen=True)
class Unknown:
    """Whether the message arrived cannot be known and it must not be sent blindly again."""

    reason: str


@dataclass(frozen=True)
class CheckLater:
    """The outcome is still unknown and could not be checked now: ask again later."""

    reason: str
    after: float = 30.0


SendResult = Delivered | RetryLater | Unreachable | Rejected | Held | Unknown | CheckLater


@dataclass(frozen=True)
class Limits:
    per_second: float = 30.0  # all messages on this channel
    per_address_interval: float = 0.0  # seconds between two messages to one address
    # Messages to one address that may go back to back before that gap applies (a reply
    # of a picture and its text); broadcasts always keep the gap.
    per_address_burst: int = 1


def account_limits(settings: Settings, channel: str) -> Limits:
    """The limits of a channel whose platform sets the rate per account (WhatsApp through
    Twilio, an SMTP server): the operator's setting; no gap per address."""
    rates = {"whatsapp": settings.whatsapp_messages_per_second,
             "email": settings.email_messages_per_second}
    return Limits(per_second=rates[channel])


class TooLarge(Exception):
    """A file to fetch is larger than we keep: it is not downloaded (further)."""


# Fetches one attachment by the channel's own reference (a Telegram file_id, a Twilio
# media URL), reading at most the given number of bytes.
Fetch = Callable[[str, int], Coroutine[Any, Any, bytes]]


class Sender(Protocol):
    channel: str
    limits: Limits

    async def send(self, message: Outgoing) -> SendResult: ...


@dataclass
class ChannelParts:
    """What a configured channel adds to `champbot run`."""

    sender: Sender
    routes: list[BaseRoute] = field(default_factory=list)  # mounted on the one web app
    # Long-running tasks (e.g. Telegram polling), started after the web server.
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    # Tasks run by one process only, the active scheduler (e.g. Telegram polling).
    leader: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    startup: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    shutdown: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    fetch: Fetch | None = None  # how attachments sent on this channel are fetched
