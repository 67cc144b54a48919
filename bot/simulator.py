"""The local simulator (`champbot chat`): lines from a terminal in, the bot's replies out.

It sits above the dispatcher: it reads one message per line, hands it to the
same inbound path as every channel, and delivers this person's replies through
a dispatcher of its own with the console sender. When the output goes away
(`champbot chat | head`), it stops quietly: replies not shown stay in the
outbox for the next `champbot chat`.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from bot.app import App
from bot.channels.console import ConsoleSender, inbound_line
from bot.dispatch import Dispatcher
from bot.services.inbound import handle


def _print(text: str) -> None:
    print(text, flush=True)


async def chat(
    app: App, name: str, stdin: TextIO = sys.stdin, write: Callable[[str], None] = _print,
    hint: str | None = None,
) -> bool:
    """Read one message per line until end of input, printing the bot's replies.

    False when the output closed before everything was shown.
    """
    sender = ConsoleSender(write)
    dispatcher = Dispatcher(app.database, [sender], app.clock)

    async def show() -> bool:
        while not sender.closed and await dispatcher.run_once(address=name):
            pass
        return not sender.closed

    if not await show():  # anything that waited for this person
        return False
    interactive = stdin.isatty()
    while True:
        if interactive:
            try:
                print("> ", end="", flush=True)
            except BrokenPipeError:
                return False
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return True
        await handle(app, inbound_line(name, line, app, hint))
        if not await show():
            return False
