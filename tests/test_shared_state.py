"""Nothing that matters lives in one process's memory: a second process on the same
database (a second app, as a second `champbot run` would be) closes the keyboard the
first one drew, and finishes a long message the first one started without repeating
a part."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr

from bot.app import App
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.sender import LIMITS
from bot.dispatch import Dispatcher
from bot.services import outbox
from bot.storage.database import Database
from flows.types import Choice, Reply
from tests.support.clock import FakeClock
from tests.support.telegram_server import FakeTelegram


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram().running() as server:
        yield server


@dataclass
class Process:
    app: App
    channel: TelegramChannel
    dispatcher: Dispatcher


@contextlib.asynccontextmanager
async def process(app: App, telegram: FakeTelegram) -> AsyncIterator[Process]:
    """A process of its own: its own database connections, channel and dispatcher."""
    settings = app.settings.model_copy(update={
        "telegram_bot_token": SecretStr(telegram.token),
        "telegram_api_base_url": telegram.base_url})
    own = App(settings, Database(settings.database_url), app.clock)
    channel = TelegramChannel(own, limits=LIMITS)
    await channel.application.initialize()
    try:
        yield Process(own, channel, Dispatcher(own.database, [channel.sender], own.clock))
    finally:
        await channel.application.shutdown()
        await own.database.close()


async def write(app: App, address: int, reply: Reply) -> None:
    async with app.database.transaction() as session:
        outbox.enqueue(session, channel="telegram", address=str(address), reply=reply,
                       now=app.clock(), kind="reply")


def question(step: str, *labels: str) -> Reply:
    return Reply(f"Question {step}?", tuple(Choice(label.lower(), label) for label in labels),
                 question=f"joining.{step}")


async def test_a_keyboard_drawn_by_one_process_is_closed_by_another(
    app: App, telegram: FakeTelegram
) -> None:
    amina = telegram.person(3001)
    async with process(app, telegram) as first:
        await write(first.app, 3001, question("consent", "Yes", "No"))
        await first.dispatcher.drain()
    assert amina.keyboards() == [["Yes", "No"]]

    async with process(app, telegram) as second:
        await write(second.app, 3001, question("area", "North", "South"))
        await second.dispatcher.drain()
    consent, area = amina.messages
    assert consent.keyboard is None  # closed by the second process
    assert area.keyboard is not None
    assert amina.keyboards() == [["North", "South"]]


async def test_a_long_message_begun_by_one_process_is_finished_by_another_once(
    app: App, telegram: FakeTelegram, clock: FakeClock
) -> None:
    amina = telegram.person(3002)
    text = "Drink water and rest. " * 400  # three parts
    telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3,
                       chat_id=3002, after=2)  # the third part is refused for a moment
    async with process(app, telegram) as first:
        await write(first.app, 3002, Reply(text))
        await first.dispatcher.drain()
    assert len(amina.messages) == 2

    clock.advance(seconds=3)
    async with process(app, telegram) as second:
        await second.dispatcher.drain()
    assert len(amina.messages) == 3  # the third part once, the first two not again
    assert "".join(m.text for m in amina.messages).replace(" ", "") == text.replace(" ", "")


async def test_a_press_taken_by_one_process_closes_that_keyboard_when_another_answers(
    app: App, telegram: FakeTelegram
) -> None:
    amina = telegram.person(3003)
    async with process(app, telegram) as web, process(app, telegram) as dispatcher:
        await write(web.app, 3003, question("consent", "Yes", "No"))
        await dispatcher.dispatcher.drain()
        (consent,) = amina.messages
        # The web process takes the press (as Updates.on_press does) and answers it...
        await web.channel.screens.press("3003", consent.message_id)
        await write(web.app, 3003, Reply("Thank you."))
        # ...and the dispatcher process, which never saw the press, closes that keyboard.
        await dispatcher.dispatcher.drain()
    consent, thanks = amina.messages
    assert consent.keyboard is None and thanks.text == "Thank you."
    assert amina.keyboards() == []
