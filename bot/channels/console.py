"""The console channel: one person at a terminal, through the same path as every channel.

The conversation loop that drives it (reading lines, delivering replies) is
bot/simulator.py, above the dispatcher.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from bot.app import App
from bot.channels import plain
from bot.channels.base import Delivered, Limits, Outgoing, RetryLater, SendResult
from flows.types import MAX_INBOUND_TEXT, Inbound

CHANNEL = "console"
CLOSED = "the terminal's output closed before this was shown"


class ConsoleSender:
    channel = CHANNEL
    limits = Limits(per_second=1000)

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.closed = False  # the output went away (`champbot chat | head` has had enough)

    async def send(self, message: Outgoing) -> SendResult:
        if self.closed:
            return RetryLater(CLOSED, after=0)
        try:
            self.write(plain.render(message.reply) + "\n")
        except BrokenPipeError:
            # Not shown, so not sent: it stays in the outbox for the next `champbot chat`.
            self.closed = True
            return RetryLater(CLOSED, after=0)
        return Delivered(provider_id=f"console-{message.id}")


def inbound_line(name: str, line: str, app: App, hint: str | None = None) -> Inbound:
    text = line.rstrip("\r\n")
    return Inbound(
        channel=CHANNEL,
        address=name,
        message_id=uuid.uuid4().hex,
        received_at=app.clock(),
        text=text[:MAX_INBOUND_TEXT],
        truncated=len(text) > MAX_INBOUND_TEXT,
        language_hint=hint,
    )
