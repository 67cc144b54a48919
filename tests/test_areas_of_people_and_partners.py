"""Areas as a newcomer met them: `people edit --area` and `people list` for a coordinator
(their coverage: the areas they hear of, or all), a champion and a partner service's
contact (who has none: their service's areas decide); and a partner form that gives no
area at all."""

from __future__ import annotations

from collections.abc import Callable
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import partners
from bot.storage.models import Area, Partner, Person, Role
from tests.support.chat import t
from tests.support.dashboard import browser, csrf, sign_in
from tests.support.demo import load_demo
from tests.support.people import add_person
from tests.test_cli import champbot

NO_AREA = "Choose at least one area, or all areas."


Run = Callable[..., str]


@pytest.fixture
def run(environ: dict[str, str], tmp_path: Path) -> Run:
    load_demo(environ)

    def run(*args: str, stdin: str = "", ok: bool = True) -> str:
        result = champbot(*args, stdin=stdin, environ=environ, cwd=tmp_path, ok=ok)
        if not ok:
            assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        return result.stdout if ok else result.stderr

    return run


def row(listing: str, name: str) -> str:
    return next(line for line in listing.splitlines() if line.endswith(name))


def test_people_list_shows_a_coordinators_areas_and_people_edit_names_them(run: Run
                                                                          ) -> None:
    # Carol picks Northfield when she joins: that is not what decides what she hears.
    run("chat", "--as", "carol", stdin="JOIN COORD2026\nEnglish\n1\nCarol\nNorthfield\nskip\n")
    run("chat", "--as", "amina", stdin="JOIN DEMO2026\nEnglish\n1\nAmina\nNorthfield\nskip\n")
    listing = run("people", "list")
    carol = row(listing, "Carol").split()[0]
    amina = row(listing, "Amina").split()[0]
    assert "all areas" in row(listing, "Carol") and "Northfield" not in row(listing, "Carol")

    assert run("people", "edit", carol, "--area", "eastgate", "--area", "Northfield").strip() \
        == f"person {carol}: areas Eastgate, Northfield"
    assert "Eastgate, Northfield" in row(run("people", "list"), "Carol")

    assert run("people", "edit", carol, "--area", "all").strip() == f"person {carol}: all areas"
    carol_row = row(run("people", "list"), "Carol")
    assert "all areas" in carol_row and "Eastgate" not in carol_row

    assert run("people", "edit", amina, "--area", "4").strip() == (
        f"person {amina}: areas Eastgate")
    assert "Eastgate" in row(run("people", "list"), "Amina")


def test_a_partner_contacts_area_is_refused_and_says_where_their_areas_are_set(run: Run
                                                                              ) -> None:
    run("partners", "add", "Northfield Housing", "--category", "housing", "--area",
        "Northfield")
    code = run("invite", "--role", "partner", "--partner", "1").split()[1]
    run("chat", "--as", "hana", stdin=f"JOIN {code}\nEnglish\n1\nHana\n")
    hana = row(run("people", "list"), "Hana").split()[0]

    refused = run("people", "edit", hana, "--area", "Eastgate", ok=False)

    assert (f"Person {hana} is a contact of the partner service “Northfield Housing”: the "
            "areas that service covers decide what reaches them, and a contact has no area "
            "of their own.") in refused
    assert "champbot partners edit ID --area" in refused
    assert "Eastgate" not in row(run("people", "list"), "Hana")
    assert "housing / Northfield /" in run("partners", "list")


@pytest.mark.usefixtures("programme")
async def test_a_partner_form_with_no_area_ticked_is_shown_again_and_saves_nothing(
        app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with app.database.transaction() as session:
        person = await session.get(Person, carol)
        assert person is not None
        person.language = "pl"
        eastgate = await session.scalar(select(Area.id).where(Area.name == "Eastgate"))
    async with browser(app) as client:
        await sign_in(app, client, carol)
        token = csrf((await client.get("/dashboard/partners/new")).text)
        form = {"csrf": token, "name": "NoAreas", "categories": ["housing"], "days": ["1"],
                "emails": "desk@noareas.example", "digest_time": "07:45", "language": "pl"}
        page = await client.post("/dashboard/partners/new", data=form)
        assert page.status_code == 200
        assert t("pl", "Nothing was saved. Please check the form: {problem}",
                 problem=t("pl", NO_AREA)) in unescape(page.text)
        # What was typed and ticked is all still there; "All areas" stays unticked.
        assert 'value="NoAreas"' in page.text and ">desk@noareas.example</textarea>" in \
            page.text and 'value="07:45"' in page.text
        assert 'name="categories" value="housing" checked' in page.text
        assert 'name="all_areas" value="1" checked' not in page.text
        async with app.database.transaction() as session:
            assert list(await session.scalars(select(Partner))) == []

        # Editing a partner that covers Eastgate down to no area changes nothing either.
        async with app.database.transaction() as session:
            made = await partners.add(session, partners.Changes(
                name="Eastgate Housing", categories=["housing"], areas=["Eastgate"]),
                app.clock())
        edited = await client.post(f"/dashboard/partners/{made.id}",
                                   data={**form, "name": "Eastgate Housing"})
        assert t("pl", NO_AREA) in unescape(edited.text)
    async with app.database.transaction() as session:
        partner = await partners.get(session, made.id)
        assert not partner.all_areas
        assert [a.id for a in await partners.areas_of(session, partner)] == [eastgate]
        # As `champbot partners add` without --area: no areas given is every area.
        food = await partners.add(session, partners.Changes(
            name="Food bank", categories=["cost_of_living"]), app.clock())
        assert food.all_areas

