"""Whatever text arrives, on any channel, is kept: no apology, no traceback, nothing lost.

Arbitrary text (NUL bytes, lone surrogates, control characters, any script) goes
through each channel's own parsing and the one inbound path into a concern that
is saved; what is saved is the text cleaned once at the edge.
"""

from __future__ import annotations

import itertools
import json
import logging
import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from telegram import Bot, Message

from bot.app import App
from bot.channels.console import inbound_line
from bot.channels.telegram.updates import from_message
from bot.channels.whatsapp import incoming
from bot.services import cleaning
from bot.services.inbound import Handled, handle
from bot.storage.models import Concern, InboundMessage
from flows.types import Inbound
from tests.support.chat import Chat, joined

pytestmark = pytest.mark.usefixtures("programme")

_ids = itertools.count(1)
NASTY = ["\x00", "\ud83d", "\udcff", "\ude00", "\r\n", "\r", "\x1b[31m", "\x7f", "\u0301",
         "e\u0301", "\ufeff", "\u202e", "\U0001f600", "\t", "\n"]
ANY_TEXT = st.lists(st.one_of(st.characters(exclude_categories=()), st.sampled_from(NASTY)),
                    max_size=60).map("".join)
EXAMPLES = settings(max_examples=10, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def console(chat: Chat, words: str) -> Inbound:
    """As `champbot chat` reads a line (undecodable bytes arrive as lone surrogates)."""
    return inbound_line(chat.address, words + "\n", chat.app)


TELEGRAM_BOT = Bot("1:test")


def telegram(chat: Chat, words: str) -> Inbound:
    """As the webhook or polling reads it: JSON (with \\u escapes) into a Telegram Message."""
    raw = json.dumps({"message_id": next(_ids), "date": 1_790_000_000, "text": words,
                      "chat": {"id": int(chat.address), "type": "private"}})
    message = Message.de_json(json.loads(raw), TELEGRAM_BOT)
    assert message is not None
    return from_message(message, chat.app.clock())


def whatsapp(chat: Chat, words: str) -> Inbound:
    fields = {"MessageSid": f"SM{next(_ids):032d}", "From": f"whatsapp:{chat.address}",
              "Body": words, "NumMedia": "0"}
    return incoming.parse(fields, chat.app.clock())


CHANNELS: dict[str, tuple[str, Callable[[Chat, str], Inbound]]] = {
    "console": ("amina", console),
    "telegram": ("4242", telegram),
    "whatsapp": ("+447700900123", whatsapp),
}


async def says(chat: Chat, inbound: Inbound) -> Handled:
    result = await handle(chat.app, inbound)
    await chat.reads()
    return result


async def saved_concerns(app: App) -> list[Concern]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(Concern).order_by(Concern.id)))


_joined: dict[int, Chat] = {}


async def champion(app: App, channel: str) -> Chat:
    """One champion per test on ``channel``, joined before the first example."""
    chat = _joined.get(id(app))
    if chat is None or chat.app is not app:
        chat = _joined[id(app)] = await joined(app, CHANNELS[channel][0], channel=channel)
    return chat


@EXAMPLES
@given(words=ANY_TEXT)
@pytest.mark.parametrize("channel", list(CHANNELS))
async def test_arbitrary_text_is_kept_as_it_was_cleaned_on_every_channel(
    app: App, channel: str, caplog: pytest.LogCaptureFixture, words: str
) -> None:
    amina = await champion(app, channel)
    parse = CHANNELS[channel][1]
    caplog.clear()
    before = len(await saved_concerns(app))
    for step in ("/concern", "4"):
        assert await says(amina, parse(amina, step)) == Handled.DONE
    typed = f"Damp: {words}"
    assert await says(amina, parse(amina, typed)) == Handled.DONE
    amina.does_not_see("Sorry, something went wrong")
    for step in ("3", "1", "2", "1", "1"):  # many people, my area, soon, contact ok, save
        assert await says(amina, parse(amina, step)) == Handled.DONE
        amina.does_not_see("Sorry, something went wrong")
    concerns = await saved_concerns(app)
    assert len(concerns) == before + 1, amina.replies
    assert concerns[-1].description == cleaning.text(typed).strip()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    async with app.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(InboundMessage))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("a\x00b", "ab"), ("\ud83d!", "\ufffd!"), ("\ud83d\ude00", "\U0001f600"),
     ("line\r\nnext\rlast", "line\nnext\nlast"), ("tab\there", "tab\there"),
     ("e\u0301", "\u00e9"), ("\x1b[31mred", "[31mred"), ("x" * 5000, "x" * 4096)],
)
def test_the_edge_removes_what_no_database_keeps(raw: str, clean: str) -> None:
    assert cleaning.text(raw) == clean
    assert unicodedata.is_normalized("NFC", cleaning.text(raw))
    cleaning.text(raw).encode("utf-8")  # always encodable


async def test_a_long_message_is_cut_at_the_edge_and_said_to_be(app: App) -> None:
    cleaned = cleaning.inbound(Inbound("console", "amina", "m1", app.clock(),
                                       text="\x00" + "y" * 5000))
    assert cleaned.text == "y" * 4096
    assert cleaned.truncated
