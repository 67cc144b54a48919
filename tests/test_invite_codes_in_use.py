"""Invite codes as a newcomer met them: a removed partner's code, a code sent by someone
who has already joined, and the number of people a code is for (the dashboard's form and
`champbot invite` keep the same limits)."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.services import invites, partners
from bot.storage.models import Invite, Person, Role
from tests.support.chat import Chat, joined, make_coordinator, t
from tests.support.dashboard import browser, csrf, sign_in
from tests.support.demo import load_demo
from tests.support.partners import add_partner, partner_contact
from tests.support.people import add_person
from tests.test_cli import champbot

WITHDRAWN = ("That invite code has been withdrawn and can't be used any more. Please ask "
             "your coordinator for a new one.")
ALREADY = "You have already joined {programme}."
FOR_COORDINATOR = "This code is for joining as a coordinator."
NO_CHANGE = ("A code can't change the role you joined with: if yours should change, please "
             "talk to a coordinator.")
NOT_AN_OPTION = "Sorry, that isn't one of the options. Please send the number of your answer."
PARTNER_MENU = "New and open concerns"
USES = "The number of people who may join with one code must be a whole number from 1 to {most}."


async def make_code(app: App, role: Role, partner_id: int | None = None) -> str:
    async with app.database.transaction() as session:
        return (await invites.create(session, role, app.clock(), partner_id=partner_id)).code


async def people_named(app: App, name: str) -> list[Person]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(Person).where(Person.display_name == name)))


async def invite_count(app: App) -> int:
    async with app.database.transaction() as session:
        return int(await session.scalar(select(func.count(Invite.id))) or 0)


# -- 1. a removed partner's code --------------------------------------------------------

@pytest.mark.usefixtures("programme")
async def test_a_removed_partners_code_is_refused_and_a_kept_ones_joins_with_the_real_menu(
        app: App) -> None:
    temp = await add_partner(app, name="Temp2")
    code = await make_code(app, Role.PARTNER, temp)
    async with app.database.transaction() as session:
        removed = await partners.remove(session, temp, app.clock())

    ghost = Chat(app, "ghost")
    await ghost.says(f"JOIN {code}")
    ghost.sees(t("en", WITHDRAWN))
    ghost.does_not_see(t("en", "Which language would you like to use?"))
    for line in ("1", "1", "Ghost"):  # the newcomer's next lines join nothing
        await ghost.says(line)
        ghost.does_not_see(PARTNER_MENU, "Welcome, Ghost!")
    assert await people_named(app, "Ghost") == []
    assert removed.codes_withdrawn == 1
    async with app.database.transaction() as session:
        invite = await invites.find(session, code)
        assert invite is not None and invite.revoked_at is not None

    # A partner still with us: its contact joins with the menu they then have.
    kept = await add_partner(app, name="Northfield Housing")
    hana = await partner_contact(app, "hana", kept)
    on_joining = hana.last.rsplit(t("en", "What would you like to do?"), 1)[1]
    assert t("en", PARTNER_MENU) in on_joining
    await hana.says("menu")
    assert hana.last.rsplit(t("en", "What would you like to do?"), 1)[1] == on_joining


@pytest.mark.usefixtures("programme")
async def test_a_code_of_a_partner_removed_before_codes_were_withdrawn_is_refused_too(
        app: App) -> None:
    temp = await add_partner(app, name="Temp2")
    code = await make_code(app, Role.PARTNER, temp)
    async with app.database.transaction() as session:  # as an older champbot removed it
        partner = await partners.get(session, temp)
        partner.removed_at = app.clock()
    ghost = Chat(app, "ghost", hint="pl")
    await ghost.says(f"JOIN {code}")
    ghost.sees(t("pl", WITHDRAWN))


@pytest.mark.usefixtures("programme")
async def test_a_partner_removed_while_someone_joins_with_its_code_leaves_them_unjoined(
        app: App) -> None:
    temp = await add_partner(app, name="Temp2")
    code = await make_code(app, Role.PARTNER, temp)
    ghost = Chat(app, "ghost")
    for line in (f"JOIN {code}", "English", "1"):
        await ghost.says(line)
    async with app.database.transaction() as session:
        await partners.remove(session, temp, app.clock())
    await ghost.says("Ghost")
    ghost.sees(t("en", "Sorry, that invite code can't be used any more. Please ask your "
                       "coordinator for a new one and send it to me."))
    ghost.does_not_see(PARTNER_MENU, "Welcome, Ghost!")
    assert await people_named(app, "Ghost") == []


def test_partners_remove_says_how_many_unused_codes_it_withdrew(environ: dict[str, str],
                                                                 tmp_path: Path) -> None:
    load_demo(environ)

    def run(*args: str, stdin: str = "") -> str:
        return champbot(*args, stdin=stdin, environ=environ, cwd=tmp_path).stdout

    run("partners", "add", "Temp2", "--category", "housing")
    code = run("invite", "--role", "partner", "--partner", "1").split()[1]
    run("invite", "--role", "partner", "--partner", "1")
    assert "unused invite codes withdrawn: 2" in run("partners", "remove", "1")
    out = run("chat", "--as", "ghost", stdin=f"JOIN {code}\n1\n1\nGhost\n")
    assert WITHDRAWN in out
    assert PARTNER_MENU not in out and "Welcome, Ghost!" not in out


# -- 2. a code sent by someone who has already joined ------------------------------------

@pytest.mark.usefixtures("programme")
async def test_a_champion_who_sends_a_coordinator_code_is_told_they_have_joined(
        app: App) -> None:
    cleo = await joined(app, "cleo", "pl", name="Cleo")
    code = await make_code(app, Role.COORDINATOR)

    await cleo.says(f"JOIN {code}")

    programme = app.settings.programme_name
    cleo.sees(t("pl", ALREADY, programme=programme), t("pl", FOR_COORDINATOR),
              t("pl", NO_CHANGE), t("pl", "What would you like to do?"))
    cleo.does_not_see(t("pl", NOT_AN_OPTION))
    await cleo.says(f"/start {code}")  # the code's Telegram link
    cleo.sees(t("pl", ALREADY, programme=programme), t("pl", FOR_COORDINATOR))
    [person] = await people_named(app, "Cleo")
    assert person.role is Role.CHAMPION
    async with app.database.transaction() as session:
        invite = await invites.find(session, code)
        assert invite is not None and invite.uses == 0  # still there for the coordinator


@pytest.mark.usefixtures("programme")
async def test_someone_joined_who_sends_their_own_kind_of_code_is_told_so_where_they_were(
        app: App) -> None:
    cleo = await joined(app, "cleo", name="Cleo")
    programme = app.settings.programme_name

    await cleo.says("JOIN DEMO2026")
    cleo.sees(t("en", ALREADY, programme=programme), t("en", "What would you like to do?"))
    cleo.does_not_see(t("en", NOT_AN_OPTION), t("en", NO_CHANGE))

    await cleo.says("/log")
    question = cleo.last
    await cleo.says("join demo-2026")  # half-way through: the same question again
    cleo.sees(t("en", ALREADY, programme=programme))
    assert cleo.last.endswith(question.split("\n\n")[-1])

    carol = await make_coordinator(app)
    await carol.says("JOIN COORD2026")
    carol.sees(t("en", ALREADY, programme=programme))
    carol.does_not_see(t("en", NO_CHANGE), t("en", NOT_AN_OPTION))


# -- 4. how many people a code is for ---------------------------------------------------

@pytest.mark.usefixtures("programme")
@pytest.mark.parametrize("uses", ["0", "abc", "501", "", "-3", "2.5"])
async def test_the_invite_form_refuses_a_number_of_people_out_of_range_and_makes_nothing(
        app: App, uses: str) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with app.database.transaction() as session:
        person = await session.get(Person, carol)
        assert person is not None
        person.language = "pl"
    before = await invite_count(app)
    async with browser(app) as client:
        await sign_in(app, client, carol)
        form = await client.get("/dashboard/champions/invite")
        page = await client.post("/dashboard/champions/invite",
                                 data={"csrf": csrf(form.text), "uses": uses})
    assert page.status_code == 200
    assert t("pl", USES, most="500") in unescape(page.text)
    assert 'aria-labelledby="code"' not in page.text  # no code shown: none was made
    assert await invite_count(app) == before
    async with browser(app) as client:  # the most there may be is made
        await sign_in(app, client, carol)
        form = await client.get("/dashboard/champions/invite")
        page = await client.post("/dashboard/champions/invite",
                                  data={"csrf": csrf(form.text), "uses": "500"})
    assert t("pl", USES, most="500") not in unescape(page.text)
    assert await invite_count(app) == before + 1


def test_champbot_invite_keeps_the_same_limits(environ: dict[str, str],
                                               tmp_path: Path) -> None:
    for args, said in ((("--uses", "0"), USES.format(most="500")),
                       (("--uses", "501"), USES.format(most="500")),
                       (("--days", "99999999"),
                        "The number of days a code stays valid must be a whole number from 1 "
                        "to 365.")):
        refused = champbot("invite", *args, environ=environ, cwd=tmp_path, ok=False)
        assert refused.returncode == 2 and said in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
    made = champbot("invite", "--uses", "500", "--days", "365", environ=environ, cwd=tmp_path)
    assert "(champion, 500 use(s)" in made.stdout

