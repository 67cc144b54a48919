"""The local simulator: one person at a terminal, through the same path as every channel."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Callable
from typing import TextIO

from bot.app import App
from bot.channels import plain
from bot.channels.base import Delivered, Limits, Outgoing, SendResult
from bot.dispatch import Dispatcher
from bot.services.inbound import handle
from flows.types import MAX_INBOUND_TEXT, Inbound

CHANNEL = "console"


class ConsoleSender:
    channel = CHANNEL
    limits = Limits(per_second=1000)

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write

    async def send(self, message: Outgoing) -> SendResult:
        self.write(plain.render(message.reply) + "\n")
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


async def chat(
    app: App, name: str, stdin: TextIO = sys.stdin, write: Callable[[str], None] | None = None,
    hint: str | None = None,
) -> None:
    """Read one message per line until end of input, printing the bot's replies."""
    out = write or (lambda text: print(text, flush=True))
    dispatcher = Dispatcher(app.database, [ConsoleSender(out)], app.clock)
    await dispatcher.drain(address=name)  # anything that waited for this person
    interactive = stdin.isatty()
    while True:
        if interactive:
            print("> ", end="", flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        await handle(app, inbound_line(name, line, app, hint))
        await dispatcher.drain(address=name)
