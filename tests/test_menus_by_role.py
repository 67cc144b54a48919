"""Each role can do what its main menu offers, by menu or by slash command, and nothing else:
a partner's contact typing /log is not a champion logging an activity, a coordinator has no
"My concerns", and Telegram lists for each chat only the commands that work there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.channels.telegram import menu
from bot.services import impact, invites
from bot.storage.models import Activity, Concern, Role
from flows import engine
from flows.commands import GLOBAL, SHORTCUTS
from flows.conversation import Conversation, Facts, Profile
from flows.definitions import menu as menus
from flows.registry import FLOWS
from flows.types import Inbound
from tests.support.chat import joined, make_coordinator, t
from tests.support.partners import add_partner, partner_contact
from tests.support.telegram_bot import running_bot
from tests.support.telegram_server import FakeTelegram

pytestmark = pytest.mark.usefixtures("programme")

NOT_IN_MENU = "Sorry, /{command} is not in your menu. Here is what you can do:"
CHAMPION_ONLY = ("log", "concern", "info", "concerns", "impact")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
FORMER_PARTNER = "former_partner"  # flows.conversation.FORMER_PARTNER: a removed partner's


async def activities(app: App) -> int:
    async with app.database.transaction() as session:
        return int(await session.scalar(select(func.count(Activity.id))) or 0)


async def test_a_partner_contact_typing_log_is_shown_their_menu_and_nothing_is_logged(
        app: App) -> None:
    mo = await partner_contact(app, "mo", await add_partner(app, name="Temp2"), name="Mo")
    await mo.says("/log")
    mo.sees(t("en", NOT_IN_MENU, command="log"), t("en", "New and open concerns"),
            t("en", "Open the dashboard"))
    mo.does_not_see(t("en", "What did you do?"))
    await mo.says("1")  # the first entry of *their* menu, not "One-to-one conversations"
    mo.sees(t("en", "Nothing is waiting for your service at the moment."))
    assert await activities(app) == 0
    async with app.database.transaction() as session:
        today = app.clock().date()
        report = await impact.report(session, impact.month_start(today), today)
    assert (report.activities, report.people) == (0, 0)


@pytest.mark.parametrize("code", ["en", "ur"])
async def test_a_partner_contact_has_only_the_commands_of_the_partner_menu(
        app: App, code: str) -> None:
    hana = await partner_contact(app, "hana", await add_partner(app), code=code)
    for command in (*CHAMPION_ONLY, "settings"):
        await hana.says(f"/{command}")
        hana.sees(t(code, NOT_IN_MENU, command=command), t(code, "New and open concerns"))
        hana.does_not_see(t(code, "What did you do?"), t(code, "What is the concern about?"),
                          t(code, "What would you like to change?"),
                          t(code, "You haven't shared any concerns yet. Choose \"Share a "
                                  "community concern\" in the menu to tell us about one."))
    await hana.says("/chart")
    hana.sees(t(code, "Sorry, this is only for coordinators."))
    await hana.says("/dashboard")  # in their menu: it works
    hana.sees(t(code, "Here is your link to the dashboard. It works once, for 15 minutes; "
                      "do not share it.\n{link}", link="").split("\n")[0])
    await hana.says("/mydata")  # the words everyone has still work
    hana.sees(t(code, "Shall I send you everything we hold about you? It may be a long "
                      "message."))
    assert await activities(app) == 0
    async with app.database.transaction() as session:
        assert await session.scalar(select(func.count(Concern.id))) == 0


async def test_a_coordinator_has_the_commands_of_the_coordinator_menu(app: App) -> None:
    carol = await make_coordinator(app)
    await carol.says("menu")
    carol.sees(t("en", "Concerns needing routing"), t("en", "Send a health message"),
               t("en", "Open the dashboard"), t("en", "Impact chart for this month"))
    for command in CHAMPION_ONLY:
        await carol.says(f"/{command}")
        carol.sees(t("en", NOT_IN_MENU, command=command), t("en", "Concerns needing routing"))
    assert await activities(app) == 0
    await carol.says("/settings")
    carol.sees(t("en", "What would you like to change?"))
    await carol.says("/dashboard")
    carol.sees("Here is your link to the dashboard.")
    await carol.says("/chart")
    carol.does_not_see("not in your menu", t("en", "Sorry, this is only for coordinators."))
    await carol.says("/broadcast")
    carol.does_not_see("not in your menu", t("en", "Sorry, only coordinators can send "
                                                   "broadcasts."))
    await carol.says("menu")
    await carol.says("4")  # Open the dashboard, from the menu
    carol.sees("Here is your link to the dashboard.")


async def test_a_champion_opens_every_entry_of_the_champion_menu_by_command(app: App) -> None:
    amina = await joined(app, "amina")
    await amina.says("/log")
    amina.sees(t("en", "What did you do?"))
    await amina.says("/concerns")
    amina.sees(t("en", "You haven't shared any concerns yet. Choose \"Share a community "
                       "concern\" in the menu to tell us about one."))
    await amina.says("/broadcast")
    amina.sees(t("en", "Sorry, only coordinators can send broadcasts."))
    await amina.says("/chart")
    amina.sees(t("en", "Sorry, this is only for coordinators."))


async def test_a_red_flag_kept_for_someone_without_my_concerns_does_not_point_there() -> None:
    kept = Conversation(flow="settings", step="what",
                        answers={"_red_flag": "suicide", "_red_flag_text": "…"})
    for role, pointed in (("champion", True), (FORMER_PARTNER, False)):
        profile = Profile(person_id=1, role=role, status="active", language="en")
        turn = engine.resume(kept, Inbound("console", "x", "m", NOW, text="exit"), NOW,
                             Facts(profile=profile))
        said = "\n".join(reply.text for reply in turn.replies)
        assert t("en", "OK, your answers were not saved. What you wrote about someone in "
                       "danger is kept as an urgent concern, so a coordinator can follow it "
                       "up.") in said
        assert ('"My concerns"' in said) is pointed, said


async def test_telegram_lists_for_each_role_exactly_the_commands_that_open_for_it() -> None:
    assert [name for name, _ in menu.commands_for("champion")] == [
        "menu", "log", "concern", "info", "concerns", "impact", "settings", "language", "help",
        "stop"]
    assert [name for name, _ in menu.commands_for("partner")] == [
        "menu", "dashboard", "language", "help", "stop"]
    assert [name for name, _ in menu.commands_for("coordinator")] == [
        "menu", "broadcast", "dashboard", "chart", "settings", "language", "help", "stop"]
    assert [name for name, _ in menu.commands_for(FORMER_PARTNER)] == [
        "menu", "language", "help", "stop"]
    for role in ("champion", "partner", "coordinator", FORMER_PARTNER):
        listed = {name for name, _ in menu.commands_for(role)}
        profile = Profile(person_id=1, role=role, status="active", language="en")
        for name, flow in SHORTCUTS.items():
            if name in GLOBAL:
                continue
            turn = engine.resume(Conversation(), Inbound("console", "x", "m", NOW,
                                                         text=f"/{name}"), NOW,
                                 Facts(profile=profile))
            said = " ".join(reply.text for reply in turn.replies)
            refusal = FLOWS[flow].refusal
            refused = t("en", NOT_IN_MENU, command=name) in said or bool(
                refusal and t("en", refusal) in said)
            # Listed exactly where the engine opens it (where the role's menu offers it).
            assert (name in listed) is not refused, (role, name, said)
            assert refused is (flow not in {entry.id for entry in menus.entries(role)})


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram().running() as server:
        yield server


async def test_on_telegram_a_partner_contact_gets_a_command_menu_of_their_own(
        app: App, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(menu, "EVERY", 0.2)
    partner = await add_partner(app)
    async with app.database.transaction() as session:
        made = await invites.create(session, Role.PARTNER, app.clock(), partner_id=partner)
    async with running_bot(app, telegram, "polling"):
        hana = telegram.person(4242, "Hana", "pl")
        await hana.says(f"/start {made.code}")
        await hana.sees(t("pl", "Which language would you like to use?"))
        await hana.presses("Polski")
        await hana.presses(t("pl", "Yes, I agree"))
        await hana.sees(t("pl", "What would you like us to call you? A first name or a "
                                "nickname is fine."))
        await hana.says("Hana")
        await hana.sees(t("pl", "New and open concerns"))
        await telegram.wait_until(lambda: 4242 in telegram.chat_commands,
                                  what="Hana's own command menu")
        assert [c["command"] for c in telegram.chat_commands[4242]] == [
            "menu", "dashboard", "language", "help", "stop"]
        assert telegram.chat_commands[4242][1]["description"] == t("pl", "Open the dashboard")
        # Everyone else keeps the champions' menu.
        assert [c["command"] for c in telegram.commands[""]][:2] == ["menu", "log"]
