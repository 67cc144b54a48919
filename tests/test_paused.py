"""A paused person (STOP) is sent nothing unasked, but is never ignored when they write."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.models import Concern
from flows.commands import first_word
from flows.i18n import language
from tests.support.chat import Chat, joined, make_coordinator, t
from tests.support.clock import FakeClock

pytestmark = pytest.mark.usefixtures("programme")

NEIGHBOUR_CHEST_PAIN = {
    "en": "My neighbour has chest pain and is grey in the face",
    "pl": "Mój sąsiad mówi, że boli go w klatce i jest cały blady",
}


@pytest.mark.parametrize("code", ["en", "pl"])
async def test_a_paused_champion_writing_about_a_neighbours_chest_pain_gets_999_first(
    app: App, code: str
) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina", code)
    await amina.says("STOP")
    await amina.says(NEIGHBOUR_CHEST_PAIN[code])
    assert "999" in amina.replies[0]  # the emergency numbers come first
    amina.does_not_see(t(code, "What would you like to do?"))  # and no menu: still paused

    await carol.reads()
    carol.sees("URGENT", NEIGHBOUR_CHEST_PAIN[code])
    async with app.database.transaction() as session:
        (kept,) = list(await session.scalars(select(Concern)))
    assert (kept.urgency, kept.red_flag) == ("at_risk", "chest_pain")


@pytest.mark.parametrize("code", ["en", "so"])
async def test_a_paused_person_writing_anything_else_is_reminded_of_start_once_a_day(
    app: App, clock: FakeClock, code: str
) -> None:
    amina = await joined(app, "amina", code)
    await amina.says("STOP")
    with language(code):
        reminder = t(code, "Your messages are paused. Send {start} to switch them on again.",
                     start=first_word("start"))

    await amina.says("hello?")
    assert len(amina.replies) == 1
    amina.sees(reminder)
    await amina.says("is anyone there?")
    assert amina.replies == []  # once a day, not after every message

    clock.advance(days=1)
    await amina.says("hello again")
    amina.sees(reminder)

    await amina.says("START")
    amina.sees(t(code, "Welcome back! Messages are switched on again."))


async def test_a_number_that_stopped_before_joining_is_answered_in_an_emergency(
    app: App,
) -> None:
    carol = await make_coordinator(app)
    stranger = Chat(app, "stranger")
    await stranger.says("JOIN DEMO2026")
    await stranger.says("STOP")
    await stranger.says("my friend says she wants to kill herself")
    stranger.sees("call 999 now")
    await carol.reads()
    carol.sees("URGENT", "wants to kill herself")
    await stranger.says("hello")
    stranger.sees("Your messages are paused. Send START to switch them on again.")


@pytest.mark.parametrize("code", ["en", "bn"])
async def test_a_paused_person_asking_for_help_or_the_menu_is_always_told_how_to_resume(
    app: App, code: str
) -> None:
    rina = await joined(app, "rina", code)
    await rina.says("stop")
    with language(code):
        reminder = t(code, "Your messages are paused. Send {start} to switch them on again.",
                     start=first_word("start"))
        menu, help_ = first_word("menu").lower(), first_word("help").lower()
    await rina.says("hi again")
    assert rina.replies == [reminder]  # today's reminder

    for word in ["menu", menu, "help", help_, "/help", "/menu"]:
        await rina.says(word)
        assert rina.replies == [reminder], word  # asked: answered every time
    await rina.says("/log")
    assert rina.replies == []  # anything else: once a day
    rina.does_not_see(t(code, "What would you like to do?"))

    await rina.says("START")
    rina.sees(t(code, "Welcome back! Messages are switched on again."))


@pytest.mark.parametrize("code", ["en", "so"])
async def test_a_paused_person_may_still_see_and_erase_their_data(app: App, code: str) -> None:
    from bot.storage.models import Person, Status

    amina = await joined(app, "amina", code, name="Amina")
    await amina.says("STOP")
    await amina.says("hello")  # the day's reminder is used up
    with language(code):
        mydata, forget = first_word("mydata"), first_word("forget")
    await amina.says(mydata)
    amina.sees(t(code, "Shall I send you everything we hold about you? It may be a long "
                       "message."))
    await amina.says("1")
    amina.sees(t(code, "What we hold about you:"), "Amina")
    await amina.says(forget)
    await amina.says("1")  # yes, erase
    amina.sees(t(code, "Your details have been erased: your name, your contact details and "
                       "everything you wrote. We kept only numbers (how many activities and "
                       "people reached, by topic and area) for the programme's reports, "
                       "without your name. Thank you for everything you did. If you want to "
                       "come back one day, ask your coordinator for a new invite code."))
    amina.does_not_see(t(code, "Welcome back! Messages are switched on again."))
    async with app.database.transaction() as session:
        statuses = list(await session.scalars(select(Person.status)))
    assert statuses == [Status.ERASED]
