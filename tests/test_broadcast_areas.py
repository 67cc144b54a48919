"""A coordinator given areas sends health messages to champions there only, and is told so
in words on the dashboard and in chat (the dashboard answered a bare 403 and lost the form;
chat let any area through)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import coordinators
from bot.storage.broadcasts import Broadcast
from bot.storage.models import Area, AuditEntry, Identity, Role
from tests.support.broadcasts import add_champion
from tests.support.chat import make_coordinator
from tests.support.dashboard import browser, csrf, sign_in
from tests.support.people import add_person

pytestmark = pytest.mark.usefixtures("programme")

ONLY_EASTGATE = ("you send health messages to the areas you coordinate (Eastgate): choose "
                 "among them")


async def area_id(app: App, name: str) -> str:
    async with app.database.transaction() as session:
        return str(await session.scalar(select(Area.id).where(Area.name == name)))


async def give_areas(app: App, person_id: int, *names: str) -> None:
    async with app.database.transaction() as session:
        await coordinators.set_areas(session, person_id, list(names))


async def broadcasts_made(app: App) -> int:
    async with app.database.transaction() as session:
        return len(list(await session.scalars(select(Broadcast))))


@pytest.mark.parametrize("chosen", ["Northfield", None], ids=["another area", "every area"])
async def test_the_dashboard_says_which_areas_and_keeps_the_form(
        app: App, chosen: str | None) -> None:
    erin = await add_person(app, Role.COORDINATOR)
    await give_areas(app, erin, "Eastgate")
    await add_champion(app, "console", "c1", "en")  # in Northfield
    form = {"action": "send", "text_en": "Flu jabs on Saturday", "when": "now"}
    if chosen:
        form["areas"] = await area_id(app, chosen)
    async with browser(app) as client:
        await sign_in(app, client, erin)
        token = csrf((await client.get("/dashboard/broadcasts/new")).text)
        page = await client.post("/dashboard/broadcasts/new", data={"csrf": token, **form})
    assert page.status_code == 200  # the form again, not "Not allowed"
    assert ONLY_EASTGATE in page.text
    assert ">Flu jabs on Saturday</textarea>" in page.text  # nothing typed is lost
    assert await broadcasts_made(app) == 0
    async with app.database.transaction() as session:
        refusals = list(await session.scalars(select(AuditEntry).where(
            AuditEntry.action == "refused")))
    assert [e.detail["attempted"] for e in refusals] == ["send_broadcast"]  # audited


async def test_in_chat_a_coordinator_of_eastgate_is_told_the_same(app: App) -> None:
    erin = await make_coordinator(app, "erin")
    async with app.database.transaction() as session:
        erin_id = await session.scalar(select(Identity.person_id).where(
            Identity.address == "erin"))
    assert erin_id is not None
    await give_areas(app, erin_id, "Eastgate")
    await add_champion(app, "console", "c1", "en")  # in Northfield
    for answer in ["/broadcast", "2", "Flu jabs on Saturday at the library", "Northfield",
                   "continue", "1", "yes"]:
        await erin.says(answer)
    erin.sees(f"Sorry, that broadcast could not be saved: {ONLY_EASTGATE}. Nothing was sent.")
    erin.does_not_see("Your broadcast is queued.")
    assert await broadcasts_made(app) == 0


async def test_a_coordinator_of_every_area_sends_anywhere(app: App) -> None:
    carol = await make_coordinator(app)
    await add_champion(app, "console", "c1", "en")
    for answer in ["/broadcast", "2", "Flu jabs on Saturday at the library", "Northfield",
                   "continue", "1", "yes"]:
        await carol.says(answer)
    carol.sees("Your broadcast is queued.")
    assert await broadcasts_made(app) == 1
