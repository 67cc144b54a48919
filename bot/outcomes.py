"""What happens to a message whose outcome is unknown: the one place that decides, by kind.

A dispatcher that dies during the platform call leaves its row ``sending``; once
the lease runs out (bot.claims) another dispatcher takes it over not knowing
whether the person got it.

- ``reply``, ``alert``, ``notice`` (and any other conversation kind): a channel
  that keeps a record (WhatsApp) is asked first, so a reply that did arrive is
  not repeated; without a record, or when the record cannot be read, it is sent
  again. A repeated question or alert is better than silence.
- ``broadcast``: never sent again blindly. A channel that keeps a record of what
  it sent (WhatsApp: Twilio's message list) is asked; the row counts as sent if
  the record has it, and is sent only if the record has none. A channel without
  such a record (Telegram) marks the row ``unknown`` for the broadcast's report.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.channels.base import (
    BULK_KINDS,
    CheckLater,
    Outgoing,
    Sender,
    SendResult,
    Unknown,
)

log = logging.getLogger(__name__)


@runtime_checkable
class Reconciling(Protocol):
    """A sender that can say whether a message already reached the platform."""

    async def sent_since(self, message: Outgoing, since: datetime) -> SendResult | None:
        """What became of ``message`` if the platform accepted it since ``since``
        (``Delivered``, or ``Held`` when what went was a template announcing it); None if
        the platform has no record of it. Raises when the platform could not be asked."""


def resend_when_unknown(kind: str) -> bool:
    return kind not in BULK_KINDS


async def settle(message: Outgoing, sender: Sender) -> SendResult | None:
    """For a message of unknown outcome, the result without sending, or None to send it."""
    since = message.uncertain_since
    if since is None:
        return None
    if not isinstance(sender, Reconciling):
        if resend_when_unknown(message.kind):
            return None
        log.warning("outbox %s (%s): outcome unknown and %s keeps no record; not resent",
                    message.id, message.kind, message.channel)
        return Unknown(f"{message.channel}: the sender stopped during the send; "
                       "whether it arrived is unknown")
    try:
        found = await sender.sent_since(message, since)
    except Exception as error:
        if resend_when_unknown(message.kind):
            log.warning("outbox %s: could not check the platform's record (%s); sending",
                        message.id, type(error).__name__)
            return None
        log.warning("outbox %s: could not check the platform's record (%s); later",
                    message.id, type(error).__name__)
        return CheckLater(f"could not check the platform's record: {type(error).__name__}")
    if found is not None:
        log.info("outbox %s: the platform has it (%s); not sent again", message.id,
                 getattr(found, "provider_id", None))
        return found
    log.info("outbox %s: the platform has no record of it; sending", message.id)
    return None
