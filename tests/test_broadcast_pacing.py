"""A broadcast on Telegram at Telegram's real limits, as the local Bot API server sees it.

Telegram's rule (Bots FAQ, "My bot is hitting limits"): no more than one message a
second to one chat, and no more than about 30 messages a second in bulk. The server
records when each call arrived; the broadcast and the conversation share one pacer,
so a reply to a champion who has just been sent the broadcast counts for their chat.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from bot.app import App
from bot.channels.telegram.sender import LIMITS
from bot.services.permissions import OPERATOR
from tests.support.broadcasts import FLU_TEXTS, add_champion, finished, send
from tests.support.chat import t
from tests.support.telegram_bot import running_bot
from tests.support.telegram_server import Call, FakeTelegram

pytestmark = pytest.mark.usefixtures("programme")

CHAMPIONS = 150  # six seconds of broadcast traffic (80 % of 30 a second)
NEW_MESSAGES = ("sendMessage", "sendPhoto", "sendVoice", "sendAudio", "sendVideo",
                "sendDocument")


def busiest_second(calls: list[Call]) -> int:
    """The most calls that arrived within any one second."""
    times = sorted(call.at for call in calls)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def closest_to_one_chat(calls: list[Call]) -> float:
    """The shortest time between two new messages to the same chat."""
    times: dict[int | None, list[float]] = defaultdict(list)
    for call in calls:
        times[call.chat_id].append(call.at)
    gaps = [b - a for found in times.values() for a, b in zip(sorted(found), sorted(found)[1:],
                                                               strict=False)]
    return min(gaps, default=float("inf"))


async def test_never_more_than_30_a_second_nor_two_to_a_chat_and_a_reply_goes_first(
    app: App,
) -> None:
    async with FakeTelegram().running() as telegram:
        people = {}
        for n in range(CHAMPIONS):
            chat_id = 7000 + n
            await add_champion(app, "telegram", str(chat_id), "en")
            people[chat_id] = telegram.person(chat_id)
        async with running_bot(app, telegram, limits=LIMITS):
            made = await send(app, OPERATOR, audience={"areas": ["Northfield"]})
            app.outbox_ready.set()

            def broadcast_sent() -> int:
                return sum(FLU_TEXTS["en"] in m.text for chat in telegram.chats.values()
                           for m in chat if m.from_bot)

            # A second in, one who already has it and one still waiting for it write.
            await telegram.wait_until(lambda: broadcast_sent() >= 30, "the broadcast to start")
            reached = next(p for p in people.values() if p.messages)
            waiting = next(p for p in reversed(people.values()) if not p.messages)
            for person in (reached, waiting):
                await person.says("menu")
            for person in (reached, waiting):
                await person.sees(t("en", "What would you like to do?"))
            answered_while = broadcast_sent()

            await telegram.wait_until(lambda: broadcast_sent() == CHAMPIONS,
                                      "everyone to have the broadcast")
            counts = await finished(app, OPERATOR, made)

    # The replies did not queue behind the broadcast: it was still going when they came.
    assert answered_while < CHAMPIONS
    assert counts["totals"]["sent"] == CHAMPIONS
    assert all(sum(FLU_TEXTS["en"] in m.text for m in p.messages) == 1
               for p in people.values())

    calls = telegram.sends()  # every accepted call that put something in a chat
    assert len(calls) >= CHAMPIONS + 2
    assert busiest_second(calls) <= 30
    assert closest_to_one_chat([c for c in calls if c.method in NEW_MESSAGES]) >= 1.0
