"""A broadcast on Telegram, through python-telegram-bot and the local Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.services.permissions import OPERATOR
from tests.support.broadcasts import FLU_TEXTS, add_champion, report, send, thanks
from tests.support.chat import t
from tests.support.telegram_bot import RunningBot, running_bot
from tests.support.telegram_server import FakeTelegram

pytestmark = pytest.mark.usefixtures("programme")


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram().running() as server:
        yield server


@pytest.fixture
async def bot(app: App, telegram: FakeTelegram) -> AsyncIterator[RunningBot]:
    async with running_bot(app, telegram) as running:
        yield running


async def test_each_language_arrives_with_useful_and_not_clear_buttons(
    app: App, telegram: FakeTelegram, bot: RunningBot
) -> None:
    people = {}
    for chat_id, code in ((3001, "en"), (3002, "ur"), (3003, "bn"), (3004, "pl")):
        await add_champion(app, "telegram", str(chat_id), code)
        people[code] = telegram.person(chat_id, language_code=code)
    elsewhere = telegram.person(3005)
    await add_champion(app, "telegram", "3005", "en", area="Eastgate")

    made = await send(app, OPERATOR, audience={"areas": ["Northfield"]})
    app.outbox_ready.set()

    for code in ("en", "ur", "bn"):
        await people[code].sees(FLU_TEXTS[code], t(code, "Useful"), t(code, "Not clear"))
    await people["pl"].sees(FLU_TEXTS["en"], t("pl", "(There is no {language} translation of "
                                                     "this message yet.)", language="Polski"))

    await people["ur"].presses(t("ur", "Not clear"))
    await people["ur"].sees(thanks("ur"))
    await people["bn"].presses(t("bn", "Useful"))
    await people["bn"].sees(thanks("bn"))
    assert elsewhere.messages == []

    counts = await report(app, OPERATOR, made)
    assert counts["by_channel"]["telegram"]["sent"] == 4
    assert counts["feedback"] == {"bn": {"useful": 1, "unclear": 0},
                                  "ur": {"useful": 0, "unclear": 1}}
