"""A coordinator who paused messages (STOP) or can't be reached: the champion is told the
truth, and what waited for a coordinator reaches them when they are back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import coordinators
from bot.storage.models import Identity, WaitingAlert
from tests.support.chat import Chat, joined, make_coordinator, t

pytestmark = pytest.mark.usefixtures("programme")

CHEST_PAIN = {
    "en": "my brother has chest pain",
    "so": "Walaalkay wuxuu qabaa laab xanuun",
    "ur": "میرے بھائی کے سینے میں درد ہے",
}
AWAY = ("We have kept what you wrote as an urgent concern. No coordinator can be reached "
        "right now: it will be shown to the first one who is back.")
NONE_YET = ("We have kept what you wrote as an urgent concern. There is no coordinator yet: "
            "the first one to join will see it straight away.")
TOLD = "We have kept what you wrote as an urgent concern and told your coordinator."


async def waiting(app: App) -> list[WaitingAlert]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(WaitingAlert)))


@pytest.mark.parametrize("code", ["en", "so", "ur"])
async def test_with_the_only_coordinator_paused_the_champion_hears_so_and_she_sees_it_on_start(
    app: App, code: str
) -> None:
    cara = await make_coordinator(app, "cara")
    hodan = await joined(app, "hodan", code, name="Hodan")
    await cara.says("stop")

    await hodan.says("menu")
    await hodan.says(CHEST_PAIN[code])
    assert code == "en" or t(code, AWAY) != AWAY  # in her language
    hodan.sees("999", t(code, AWAY))
    hodan.does_not_see(t(code, NONE_YET), t(code, TOLD))

    await cara.reads()
    assert cara.replies == []  # paused: nothing while paused

    await cara.says("start")
    cara.sees("Welcome back! Messages are switched on again.",
              "URGENT, possible danger (chest pain). Hodan reported:", CHEST_PAIN[code])
    assert await waiting(app) == []

    await cara.says("stop")
    await cara.says("start")
    cara.does_not_see("URGENT")  # shown once


@pytest.mark.parametrize("code", ["en", "pl"])
async def test_concerns_saved_while_the_coordinator_is_paused_reach_her_on_start(
    app: App, code: str
) -> None:
    cara = await make_coordinator(app, "cara")
    amina = await joined(app, "amina", code)
    await cara.says("STOP")

    for answer in ["/concern", "4", "An older man on our street has no heating and looks ill",
                   "1", "1", "1", "1", "1"]:  # at risk now
        await amina.says(answer)
    saved = ("Thank you. Your concern is saved as {reference} and marked urgent. No "
             "coordinator can be reached right now: it will be shown to the first one who is "
             "back.")
    assert code == "en" or t(code, saved) != saved  # in her language
    amina.sees(t(code, saved, reference="C-1001"))
    amina.does_not_see(t(code, "There is no coordinator yet"),
                       t(code, "your coordinator has been told now")[:30])
    for answer in ["/concern", "8", "The bus to the clinic stopped running",
                   "1", "1", "3", "1", "1"]:  # general feedback
        await amina.says(answer)
    amina.sees("C-1002")

    await cara.says("START")
    cara.sees("URGENT concern C-1001", "New concern C-1002",
              "No partner service matches: it needs routing")


async def test_a_stranger_is_told_no_coordinator_can_be_reached_and_she_sees_it_on_start(
    app: App,
) -> None:
    cara = await make_coordinator(app, "cara")
    await cara.says("stop")
    stranger = Chat(app, "stranger")
    await stranger.says("please help my husband hits me")
    stranger.sees("No coordinator can be reached right now: what you wrote will be shown to "
                  "the first one who is back.")
    stranger.does_not_see("There is no coordinator yet", "We have told a coordinator.")
    await cara.says("start")
    cara.sees("Someone who has not joined yet reported:", "Contact: console stranger")


async def test_a_coordinator_who_could_not_be_reached_sees_it_when_she_writes_again(
    app: App,
) -> None:
    cara = await make_coordinator(app, "cara")
    async with app.database.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.address == "cara"))
        assert identity is not None
        identity.unreachable_at = app.clock()  # she blocked the bot
    hodan = await joined(app, "hodan", "so", name="Hodan")
    await hodan.says(CHEST_PAIN["so"])
    hodan.sees(t("so", AWAY))

    await cara.says("hello")  # unblocked, and writes
    cara.sees("URGENT, possible danger (chest pain). Hodan reported:", CHEST_PAIN["so"])
    assert await waiting(app) == []


async def test_with_another_coordinator_reachable_she_is_told_and_the_paused_one_gets_nothing(
    app: App,
) -> None:
    cara = await make_coordinator(app, "cara")
    dana = await make_coordinator(app, "dana")
    await cara.says("stop")
    hodan = await joined(app, "hodan", name="Hodan")
    await hodan.says(CHEST_PAIN["en"])
    hodan.sees(TOLD)
    await dana.reads()
    dana.sees("URGENT, possible danger (chest pain). Hodan reported:")

    await cara.says("start")  # written while she was paused: not sent after START either
    cara.sees("Welcome back! Messages are switched on again.")
    cara.does_not_see("URGENT", CHEST_PAIN["en"])


async def area_coordinators(app: App, **areas: str) -> dict[str, Chat]:
    """Coordinators by address, each given one area."""
    chats = {address: await make_coordinator(app, address) for address in areas}
    async with app.database.transaction() as session:
        for address, area in areas.items():
            person_id = await session.scalar(
                select(Identity.person_id).where(Identity.address == address))
            assert person_id is not None
            await coordinators.set_areas(session, person_id, [area])
    return chats


FEEDBACK = ["/concern", "8", "The bus to the clinic stopped running", "1", "1", "3", "1", "1"]


async def test_a_coordinator_back_sees_only_the_routine_concerns_that_waited_for_her_areas(
    app: App,
) -> None:
    both = await area_coordinators(app, cara="Eastgate", dana="Northfield")
    cara, dana = both["cara"], both["dana"]
    await cara.says("stop")
    await dana.says("stop")
    hodan = await joined(app, "hodan", name="Hodan", area="Northfield")
    for answer in FEEDBACK:  # not urgent: it can wait for Northfield's coordinator
        await hodan.says(answer)
    hodan.sees("A coordinator will look at it within")

    await cara.says("start")  # Eastgate's coordinator: not hers
    cara.does_not_see("C-1001")
    assert len(await waiting(app)) == 1
    await dana.says("start")  # Northfield's
    dana.sees("New concern C-1001", "The bus to the clinic stopped running")
    assert await waiting(app) == []


async def test_an_urgent_alert_waits_for_whichever_coordinator_is_back_first(app: App) -> None:
    both = await area_coordinators(app, cara="Eastgate", dana="Northfield")
    cara, dana = both["cara"], both["dana"]
    await cara.says("stop")
    await dana.says("stop")
    hodan = await joined(app, "hodan", name="Hodan", area="Northfield")
    await hodan.says(CHEST_PAIN["en"])
    hodan.sees(AWAY)

    await cara.says("start")  # Eastgate's: someone may be in danger, so she sees it
    cara.sees("URGENT, possible danger (chest pain). Hodan reported:")
    assert await waiting(app) == []
    await dana.says("start")
    dana.does_not_see("URGENT")  # shown once, to the first back


async def test_an_urgent_alert_goes_to_another_areas_coordinator_while_hers_is_paused(
    app: App,
) -> None:
    both = await area_coordinators(app, cara="Eastgate", dana="Northfield")
    cara, dana = both["cara"], both["dana"]
    await dana.says("stop")  # Northfield's coordinator is away
    hodan = await joined(app, "hodan", name="Hodan", area="Northfield")
    await hodan.says(CHEST_PAIN["en"])
    hodan.sees(TOLD)
    hodan.does_not_see(AWAY)
    await cara.reads()
    cara.sees("URGENT, possible danger (chest pain). Hodan reported:")
    assert await waiting(app) == []


async def test_a_routine_concern_from_an_area_no_coordinator_covers_goes_to_every_coordinator(
    app: App,
) -> None:
    cara = (await area_coordinators(app, cara="Eastgate"))["cara"]
    hodan = await joined(app, "hodan", name="Hodan", area="Northfield")  # no one covers it
    for answer in FEEDBACK:
        await hodan.says(answer)
    hodan.sees("Your concern is saved as C-1001")
    await cara.reads()
    cara.sees("New concern C-1001", "Northfield", "The bus to the clinic stopped running")
    assert await waiting(app) == []


async def test_a_routine_concern_waits_for_its_areas_coordinator_while_she_is_paused(
    app: App,
) -> None:
    both = await area_coordinators(app, cara="Eastgate", dana="Northfield")
    cara, dana = both["cara"], both["dana"]
    await dana.says("stop")
    hodan = await joined(app, "hodan", name="Hodan", area="Northfield")
    for answer in FEEDBACK:
        await hodan.says(answer)
    await cara.reads()
    cara.does_not_see("C-1001")  # Northfield's, and it can wait a day
    await dana.says("start")
    dana.sees("New concern C-1001")


async def test_an_urgent_alert_from_an_area_no_coordinator_covers_goes_to_every_coordinator(
    app: App,
) -> None:
    cara = await make_coordinator(app, "cara")
    async with app.database.transaction() as session:
        cara_id = await session.scalar(
            select(Identity.person_id).where(Identity.address == "cara"))
        assert cara_id is not None
        await coordinators.set_areas(session, cara_id, ["Eastgate"])
    hodan = await joined(app, "hodan", name="Hodan", area="Northfield")  # no one covers it
    await hodan.says(CHEST_PAIN["en"])
    hodan.sees(TOLD)  # not "there is no coordinator yet": she is told at once
    await cara.reads()
    cara.sees("URGENT, possible danger (chest pain). Hodan reported:")
    assert await waiting(app) == []


async def test_the_same_danger_words_twice_are_one_concern_and_one_alert(app: App) -> None:
    from bot.storage.models import Concern

    cara = await make_coordinator(app, "cara")
    hodan = await joined(app, "hodan", name="Hodan")
    await hodan.says(CHEST_PAIN["en"])
    await hodan.says(CHEST_PAIN["en"])  # sent again, as people do when frightened
    hodan.sees("999", TOLD)
    await cara.reads()
    assert "\n".join(cara.replies).count("URGENT, possible danger") == 1
    async with app.database.transaction() as session:
        assert len(list(await session.scalars(select(Concern)))) == 1
