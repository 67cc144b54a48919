"""A tiny vocabulary for conversation tests: someone says something, the bot answers."""

from __future__ import annotations

import itertools
import re

from bot.app import App
from bot.channels import plain
from bot.channels.base import Delivered, Limits, Outgoing, SendResult
from bot.dispatch import Dispatcher
from bot.services.inbound import Handled, handle
from flows.i18n import language, translate
from flows.languages import RLM
from flows.types import Inbound, Location, Media

_ids = itertools.count(1)
LINE_MARK = re.compile(f"(?m)^{RLM}")


class Recorder:
    """A sender that keeps what it would have sent, per channel."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.limits = Limits(per_second=10_000)
        self.sent: list[Outgoing] = []

    async def send(self, message: Outgoing) -> SendResult:
        self.sent.append(message)
        return Delivered(provider_id=f"{self.channel}-{message.id}")

    def to(self, address: str) -> list[Outgoing]:
        return [m for m in self.sent if m.address == address]


class Replies:
    """What the bot said to someone in answer to their last message, and ways to check it."""

    replies: list[str]

    @property
    def last(self) -> str:
        return self.replies[-1] if self.replies else ""

    def sees(self, *fragments: str) -> None:
        """Each fragment is in what was said, read as a person reads it (``unmarked``)."""
        said = unmarked("\n\n".join(self.replies))
        for fragment in fragments:
            assert unmarked(fragment) in said, f"expected {fragment!r} in:\n{said}"

    def does_not_see(self, *fragments: str) -> None:
        said = unmarked("\n\n".join(self.replies))
        for fragment in fragments:
            assert unmarked(fragment) not in said, f"did not expect {fragment!r} in:\n{said}"


def unmarked(text: str) -> str:
    """``text`` as read: without the right-to-left mark that starts each line of Arabic
    and Urdu (``flows.languages.directed``)."""
    return LINE_MARK.sub("", text)


class Chat(Replies):
    """One person talking to the bot through the real path (dedupe, lock, engine, outbox)."""

    def __init__(self, app: App, address: str, channel: str = "console",
                 hint: str | None = None, recorder: Recorder | None = None) -> None:
        self.app = app
        self.address = address
        self.channel = channel
        self.hint = hint
        self.recorder = recorder or Recorder(channel)
        self.dispatcher = Dispatcher(app.database, [self.recorder], app.clock)
        self.replies: list[str] = []
        self.last_handled: Handled | None = None

    async def says(self, text: str | None = None, *, choice: str | None = None,
                   question: str | None = None, location: Location | None = None,
                   media: tuple[Media, ...] = (), message_id: str | None = None) -> str:
        """Send one message; returns everything the bot answered, as the person would see it."""
        inbound = Inbound(
            channel=self.channel, address=self.address,
            message_id=message_id or f"m{next(_ids)}", received_at=self.app.clock(),
            text=text, choice_id=choice, choice_question=question, location=location,
            media=media, language_hint=self.hint,
        )
        self.last_handled = await handle(self.app, inbound)
        return await self.reads()

    async def reads(self) -> str:
        """Deliver whatever is waiting for this person (their phone comes online)."""
        before = len(self.recorder.to(self.address))
        await self.dispatcher.drain(address=self.address)
        new = self.recorder.to(self.address)[before:]
        # As read: without the marks starting each line (``recorder`` keeps them as sent).
        self.replies = [unmarked(plain.render(m.reply)) for m in new]
        return "\n\n".join(self.replies)


def t(code: str, message: str, **params: object) -> str:
    """What ``message`` reads like in language ``code`` (for asserting translated replies)."""
    with language(code):
        return translate(message, **params)


async def joined(app: App, address: str, code: str = "en", name: str | None = "Amina",
                 area: str = "Northfield", channel: str = "console",
                 recorder: Recorder | None = None) -> Chat:
    """Someone who has joined with the demo invite, in language ``code``."""
    from flows.languages import get as language_named

    chat = Chat(app, address, channel=channel, recorder=recorder)
    await chat.says("JOIN DEMO2026")
    await chat.says(language_named(code).native_name)
    await chat.says("1")
    await chat.says(name or "skip")
    await chat.says(area)
    await chat.says("skip")
    return chat


async def make_coordinator(app: App, address: str = "carol", code: str = "en") -> Chat:
    """A coordinator who joined with the demo coordinator invite."""
    from flows.languages import get as language_named

    chat = Chat(app, address)
    await chat.says("JOIN COORD2026")
    await chat.says(language_named(code).native_name)
    await chat.says("1")
    await chat.says("Carol")
    await chat.says("1")
    await chat.says("skip")
    return chat


def n(code: str, value: float) -> str:
    """A number as language ``code`` writes it (1,500 / 1 500 / 1.500)."""
    from flows.i18n import number

    with language(code):
        return number(value)
