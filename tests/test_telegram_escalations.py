"""A partner service's contact on Telegram: joins by the deep link, opens a concern from the
partner menu and acts on it with buttons; an old button still means its own concern."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.services import invites
from bot.storage.models import Role
from tests.support.chat import joined
from tests.support.partners import add_partner
from tests.support.telegram_bot import RunningBot, running_bot
from tests.support.telegram_server import FakeTelegram
from tests.test_escalations import raise_concern

pytestmark = pytest.mark.usefixtures("programme")


@pytest.fixture
async def bot(app: App) -> AsyncIterator[RunningBot]:
    async with FakeTelegram().running() as server, running_bot(app, server, "polling") as run:
        yield run


async def test_a_partner_acts_with_buttons_on_telegram(app: App, bot: RunningBot) -> None:
    partner = await add_partner(app)
    async with app.database.transaction() as session:
        made = await invites.create(session, Role.PARTNER, app.clock(), partner_id=partner)
    amina = await joined(app, "amina")
    await raise_concern(amina)

    hana = bot.telegram.person(2001, "Hana")
    await hana.says(f"/start {made.code}")
    await hana.presses("English")
    await hana.presses("Yes, I agree")
    await hana.says("Hana")
    await hana.sees("Welcome, Hana!")
    await hana.presses("New and open concerns")
    await hana.presses("C-1001 · Housing and damp · Northfield · New")
    await hana.sees("Elm Street")
    detail = hana.message_with("In progress")
    await hana.presses("In progress", detail)
    await hana.sees("C-1001 is now: In progress. The champion has been told.")
    await amina.reads()
    amina.sees("Update on your concern C-1001: Northfield Housing is working on it.")

    await hana.presses("Acknowledge", detail)  # an old button: it still means C-1001
    await hana.sees("C-1001 was already acknowledged.")
