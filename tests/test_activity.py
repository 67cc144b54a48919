"""Logging an activity, as a champion does it every week."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.models import Activity, Area
from tests.support.chat import joined, n, t
from tests.support.clock import FakeClock

pytestmark = pytest.mark.usefixtures("programme")


async def activities(app: App) -> list[Activity]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(Activity).order_by(Activity.id)))


@pytest.mark.parametrize("code", ["en", "bn", "so"])
async def test_a_champion_logs_an_activity_and_corrects_one_answer(
    app: App, clock: FakeClock, code: str
) -> None:
    amina = await joined(app, "amina", code)
    answers = 0

    async def say(text: str) -> str:
        nonlocal answers
        answers += 1
        return await amina.says(text)

    await amina.says("/log")
    amina.sees(t(code, "What did you do?"), t(code, "A group talk or session"))
    await say("2")  # a group talk
    amina.sees(t(code, "What was it about?"))
    await say("3")  # diabetes
    amina.sees(t(code, "When was it? Choose, or type a date like 21/11/2026."))
    await say("2")  # yesterday
    amina.sees(t(code, "Where was it?"))
    await say("1")  # my own area, listed first
    amina.sees(t(code, "What kind of place was it?"))
    await say("2")  # a community centre
    amina.sees(t(code, "About how many people did you reach? A good guess is fine."))
    await say("25")
    amina.sees(t(code, "How much of your time did it take?"))
    await say("2")  # 1 to 2 hours
    await say(t(code, "Skip"))  # no note
    amina.sees(t(code, "Please check your activity:"), "25", t(code, "Diabetes"))

    await amina.says("2")  # change an answer
    amina.sees(t(code, "Which answer would you like to change?"))
    await amina.says(t(code, "People reached"))
    await amina.says("30")
    amina.sees(t(code, "Please check your activity:"), "30")
    await say("1")  # save
    assert answers <= 9
    amina.sees(t(code, "What would you like to do?"))

    (saved,) = await activities(app)
    async with app.database.transaction() as session:
        northfield = await session.scalar(select(Area).where(Area.name == "Northfield"))
    assert northfield is not None
    assert (saved.kind, saved.topic, saved.happened_on, saved.area_id, saved.venue) == (
        "group", "diabetes", date(2026, 11, 19), northfield.id, "community_centre")
    assert (saved.people_reached, saved.minutes_given, saved.note, saved.kind_other) == (
        30, 90, None, None)


async def test_the_thanks_gives_the_running_total_for_the_month(app: App) -> None:
    amina = await joined(app, "amina")
    for reached in ("1", "144"):
        for answer in ["/log", "1", "1", "today", "1", "1", reached, "skip", "skip"]:
            await amina.says(answer)
        await amina.says("Save")
    amina.sees("Thank you! That makes 145 people reached this month.")


async def test_one_person_reached_reads_naturally(app: App) -> None:
    amina = await joined(app, "amina")
    for answer in ["/log", "1", "1", "today", "1", "1", "1", "skip", "skip", "Save"]:
        await amina.says(answer)
    amina.sees("Thank you! That makes 1 person reached this month.")


@pytest.mark.parametrize("code", ["en", "pl", "ur"])
async def test_every_kind_of_bad_answer_is_explained_and_nothing_is_lost(
    app: App, code: str
) -> None:
    amina = await joined(app, "amina", code)
    await amina.says("/log")
    await amina.says("42")
    amina.sees(t(code, "Please send a number from {low} to {high}.", low=n(code, 1),
                 high=n(code, 8)), t(code, "What did you do?"))
    await amina.says("8")  # something else
    await amina.says("🎉🎉")
    amina.sees(t(code, "Please use letters, not only numbers, emoji or symbols."))
    await amina.says("Cooking class")
    await amina.says("7")
    await amina.says("21/11/2027")
    amina.sees(t(code, "That date is in the future. Please send a date from today or before."))
    await amina.says("01/01/2026")
    amina.sees(t(code, "Please send a date from the last {days} days.", days=90))
    await amina.says("18/11/2026")
    await amina.says("1")
    await amina.says("4")
    await amina.says("lots")
    amina.sees(t(code, "Please send a number, like 25. A good guess is fine."))
    await amina.says("20000")
    amina.sees(t(code, "Please send a number from {low} to {high}.", low=n(code, 0),
                 high=n(code, 10_000)))
    await amina.says("12")
    await amina.says("skip")
    await amina.says("x" * 5000)
    amina.sees(t(code, "That is too long. Please keep it under {limit} characters.",
                 limit=1000))
    await amina.says("Good questions about sugar")
    amina.sees(t(code, "Please check your activity:"), "Cooking class", "12",
               "Good questions about sugar")
    await amina.says("1")
    (saved,) = await activities(app)
    assert (saved.kind, saved.kind_other, saved.topic, saved.happened_on, saved.venue,
            saved.people_reached, saved.minutes_given, saved.note) == (
        "other", "Cooking class", "eating", date(2026, 11, 18), "home",
        12, None, "Good questions about sugar")


async def test_menu_half_way_keeps_the_answers_to_carry_on_later(app: App) -> None:
    amina = await joined(app, "amina")
    await amina.says("Log an activity")
    await amina.says("2")
    await amina.says("3")
    await amina.says("menu")
    amina.sees("What would you like to do?")
    await amina.says("Log an activity")
    amina.sees("You were logging an activity earlier. Would you like to carry on where you "
               "left off, or start again?")
    await amina.says("Carry on")
    amina.sees("When was it?")


async def test_choosing_not_to_save_saves_nothing(app: App) -> None:
    amina = await joined(app, "amina")
    for answer in ["/log", "1", "1", "today", "1", "1", "5", "skip", "skip"]:
        await amina.says(answer)
    await amina.says("Don't save")
    amina.sees("OK, nothing was saved.", "What would you like to do?")
    assert await activities(app) == []


async def test_a_second_language_champion_sees_their_own_number_format(app: App) -> None:
    amina = await joined(app, "amina", "pl")
    for answer in ["/log", "1", "1", "today", "1", "1", "1500", "skip", "skip", "1"]:
        await amina.says(answer)
    amina.sees(n("pl", 1500))  # "1 500", the Polish way
    amina.does_not_see("1,500", "1500")
