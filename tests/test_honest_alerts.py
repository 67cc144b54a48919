"""Never claim what did not happen: who was told, what was kept, how soon; and a calm way on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.models import Concern, WaitingAlert
from tests.support.chat import Chat, joined, make_coordinator, t

pytestmark = pytest.mark.usefixtures("programme")

DANGER = {
    "en": "My neighbour says she wants to kill herself",
    "pl": "Moja sąsiadka mówi, że chce się zabić",
}


async def concerns(app: App) -> list[Concern]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(Concern).order_by(Concern.id)))


@pytest.mark.parametrize("code", ["en", "pl"])
async def test_with_no_coordinator_nobody_is_said_to_be_told_and_the_first_to_join_sees_it(
    app: App, code: str
) -> None:
    amina = await joined(app, "amina", code)
    await amina.says(DANGER[code])
    amina.sees("999", t(code, "We have kept what you wrote as an urgent concern. There is no "
                              "coordinator yet: the first one to join will see it straight away."))
    amina.does_not_see(t(code, "We have kept what you wrote as an urgent concern and told your "
                               "coordinator."))
    async with app.database.transaction() as session:
        assert len(list(await session.scalars(select(WaitingAlert)))) == 1

    carol = await make_coordinator(app)
    carol.sees("URGENT, possible danger (thoughts of suicide). Amina reported:", DANGER[code])
    async with app.database.transaction() as session:
        assert list(await session.scalars(select(WaitingAlert))) == []


async def test_a_stranger_with_no_coordinator_is_told_the_truth(app: App) -> None:
    stranger = Chat(app, "stranger")
    await stranger.says("please help my husband hits me")
    stranger.sees("There is no coordinator yet: the first one to join will see what you wrote")
    stranger.does_not_see("We have told a coordinator.")
    carol = await make_coordinator(app)
    carol.sees("Someone who has not joined yet reported:", "Contact: console stranger")


@pytest.mark.parametrize("code", ["en", "ur"])
async def test_an_urgent_concern_gets_urgent_wording_not_the_routine_promise(
    app: App, code: str
) -> None:
    await make_coordinator(app)
    amina = await joined(app, "amina", code)
    for answer in ["/concern", "4", "An older man on our street has no heating and looks ill",
                   "1", "1", "1", "1", "1"]:
        await amina.says(answer)
    amina.sees(t(code, "Thank you. Your concern is saved as {reference}, marked urgent, and your "
                       "coordinator has been told now.", reference="C-1001"))
    amina.does_not_see(t(code, "A coordinator will look at it within {days} working days, and "
                               "you will hear here what happens.", days=5)[:40])


@pytest.mark.parametrize("code", ["en", "pl"])
async def test_dont_save_after_a_red_flag_says_plainly_what_was_kept_and_shows_it(
    app: App, code: str
) -> None:
    await make_coordinator(app)
    amina = await joined(app, "amina", code)
    for answer in ["/concern", "3", DANGER[code], "1", "1", "1"]:
        await amina.says(answer)
    await amina.says("3")  # Don't save
    amina.sees(t(code, "OK, your answers were not saved. What you wrote about someone in danger "
                       "is kept as an urgent concern, so a coordinator can follow it up. You can "
                       "see it under \"My concerns\"."))
    amina.does_not_see(t(code, "OK, nothing was saved."))

    await amina.says("/concerns")
    amina.sees("C-1001")
    await amina.says("mydata")
    await amina.says("1")  # yes, send it
    amina.sees("C-1001", DANGER[code])


@pytest.mark.parametrize("code", ["en", "pl"])
async def test_after_the_emergency_message_no_scolding_but_a_way_on(app: App, code: str) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina", code)
    await amina.says(DANGER[code])  # at the main menu
    amina.does_not_see(t(code, "Sorry, that isn't one of the options. Please send the number of "
                               "your answer."))
    amina.sees("999", t(code, "Add details as a concern"), t(code, "Go back"))

    await amina.says("1")  # add details: the words already given are the description
    amina.sees(t(code, "What is the concern about?"))
    for answer in ["3", "1", "1", "1"]:
        await amina.says(answer)
    amina.sees(t(code, "Please check your concern:"), DANGER[code])
    await amina.says("1")  # save
    (concern,) = await concerns(app)  # the record kept for safety, now with its details
    assert (concern.confirmed, concern.urgency, concern.category) == (
        True, "at_risk", "mental_health")
    await carol.reads()
    carol.sees("URGENT concern C-1001")


async def test_go_back_after_the_emergency_message_returns_to_the_question(app: App) -> None:
    amina = await joined(app, "amina")
    await amina.says("/log")
    await amina.says("my friend took an overdose")
    amina.does_not_see("Sorry, that isn't one of the options.")
    await amina.says("2")  # go back
    amina.sees("What did you do?")


@pytest.mark.parametrize("code", ["en", "so"])
async def test_abuse_also_signposts_the_domestic_abuse_helpline(app: App, code: str) -> None:
    amina = await joined(app, "amina", code)
    await amina.says("my husband hits me")
    amina.sees("999", "0808 2000 247")
    await amina.says("my dad has chest pain")
    amina.does_not_see("0808 2000 247")


async def test_the_abuse_helpline_is_a_setting(app: App) -> None:
    app.settings = app.settings.model_copy(update={
        "abuse_line_name": "Women's Aid Helpline", "abuse_line_number": "1800 341 900"})
    amina = await joined(app, "amina")
    await amina.says("my husband hits me")
    amina.sees("Women's Aid Helpline", "1800 341 900")


async def test_an_alert_waiting_for_a_coordinator_is_erased_with_the_person(app: App) -> None:
    amina = await joined(app, "amina")
    await amina.says(DANGER["en"])
    await amina.says("forget")
    await amina.says("1")  # yes, erase
    async with app.database.transaction() as session:
        assert list(await session.scalars(select(WaitingAlert))) == []
    carol = await make_coordinator(app)
    carol.does_not_see(DANGER["en"], "URGENT")
