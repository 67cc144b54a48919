"""The Partners page over plain HTTP: list, add, edit, remove, contacts' invite codes and
the coverage grid of concern type × area."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import partners
from bot.storage.models import Area, Invite, Partner, Person, Role
from tests.support.chat import t
from tests.support.dashboard import browser, csrf, sign_in
from tests.support.people import add_person

pytestmark = pytest.mark.usefixtures("programme")


async def _area_ids(app: App) -> dict[str, int]:
    async with app.database.transaction() as db:
        return {a.name: a.id for a in await db.scalars(select(Area))}


async def test_a_coordinator_adds_edits_and_removes_a_partner(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    areas = await _area_ids(app)
    async with browser(app) as client:
        await sign_in(app, client, carol)
        form = await client.get("/dashboard/partners/new")
        token = csrf(form.text)
        added = await client.post("/dashboard/partners/new", data={
            "csrf": token, "name": "Northfield Surgery", "categories": ["gp_access"],
            "areas": [str(areas["Northfield"])], "emails": "desk@surgery.example",
            "days": ["1", "2", "3", "4", "5"], "digest_time": "07:30", "language": "en"})
        assert added.status_code == 303
        page = await client.get(added.headers["location"])
        assert "The partner was added." in page.text and "Monday" in page.text
        partner_id = int(added.headers["location"].split("/")[-1].split("?")[0])
        saved = await client.post(f"/dashboard/partners/{partner_id}", data={
            "csrf": token, "name": "Northfield Surgery", "categories": ["gp_access",
                                                                        "mental_health"],
            "all_areas": "1", "emails": "desk@surgery.example\nlead@surgery.example",
            "days": ["1", "3"], "digest_time": "08:15", "language": "ur"})
        assert saved.status_code == 303
        async with app.database.transaction() as db:
            partner = await partners.get(db, partner_id)
            assert partner.all_areas and partner.language == "ur"
            assert partner.work_days == "13" and partner.digest_time == "08:15"
            assert partner.emails == ["desk@surgery.example", "lead@surgery.example"]
            assert await partners.categories_of(db, partner_id) == ["gp_access",
                                                                    "mental_health"]
        removed = await client.post(f"/dashboard/partners/{partner_id}/remove",
                                    data={"csrf": token})
        listing = await client.get(removed.headers["location"])
    assert "The partner was removed." in listing.text
    assert "Northfield Surgery" not in listing.text.split("Who covers what")[0]
    async with app.database.transaction() as db:
        kept = await db.get(Partner, partner_id)
        assert kept is not None and kept.removed_at is not None  # history kept


async def test_a_bad_form_says_what_is_wrong_and_saves_nothing(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with browser(app) as client:
        await sign_in(app, client, carol)
        token = csrf((await client.get("/dashboard/partners/new")).text)
        page = await client.post("/dashboard/partners/new", data={
            "csrf": token, "name": "Food bank", "emails": "not an address",
            "digest_time": "08:00", "language": "en", "days": ["1"]})
    assert page.status_code == 200 and "Nothing was saved" in page.text
    assert 'value="Food bank"' in page.text  # what was typed is still there
    async with app.database.transaction() as db:
        assert list(await db.scalars(select(Partner))) == []


async def test_a_refused_partner_is_not_half_saved_whatever_was_wrong(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    too_long = "a" * 80 + "@example.org"  # more than the email sender can send to
    async with browser(app) as client:
        await sign_in(app, client, carol)
        token = csrf((await client.get("/dashboard/partners/new")).text)
        form = {"csrf": token, "name": "OnlyOnce", "categories": ["housing"],
                "digest_time": "08:00", "language": "en", "days": ["1", "2"]}
        unusable = (f"The email address “{too_long}” is too long: an address can have at "
                    "most 64 characters.")
        pages = {problem: await client.post("/dashboard/partners/new", data={**form, **wrong})
                 for problem, wrong in {
            "The digest time “99:99” is not a time like 08:30.": {"digest_time": "99:99"},
            "A partner needs a name.": {"name": "   "},
            "A partner's name can have at most 120 characters; this one has 5,000.":
                {"name": "N" * 5000},
            unusable: {"emails": too_long},
        }.items()}
    for problem, page in pages.items():
        assert page.status_code == 200
        assert f"Nothing was saved. Please check the form: {problem}" in unescape(page.text)
    assert f">{too_long}</textarea>" in pages[unusable].text  # what was typed is kept
    async with app.database.transaction() as db:
        assert list(await db.scalars(select(Partner))) == []


async def test_an_edit_that_is_refused_changes_nothing_and_says_why_in_your_language(
        app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with app.database.transaction() as db:
        made = await partners.add(db, partners.Changes(
            name="Northfield Surgery", categories=["gp_access"], emails=["desk@surgery.example"]),
            app.clock())
        partner_id = made.id
        person = await db.get(Person, carol)
        assert person is not None
        person.language = "pl"
    too_long = "reception.and.appointments.for.northfield.surgery@nhs-mail.example.org"
    async with browser(app) as client:
        await sign_in(app, client, carol)
        token = csrf((await client.get(f"/dashboard/partners/{partner_id}")).text)
        form = {"csrf": token, "name": "Northfield Surgery", "categories": ["gp_access"],
                "all_areas": "1", "digest_time": "08:00", "language": "en", "days": ["1"]}
        long_name = await client.post(f"/dashboard/partners/{partner_id}",
                                      data={**form, "name": "Northfield Surgery " * 10})
        long_email = await client.post(f"/dashboard/partners/{partner_id}",
                                       data={**form, "emails": too_long})
        no_category = await client.post(f"/dashboard/partners/{partner_id}",
                                        data={**form, "categories": []})
        bad_time = await client.post(f"/dashboard/partners/{partner_id}",
                                     data={**form, "digest_time": "25:00"})
    assert t("pl", "Nothing was saved. Please check the form: {problem}", problem=t(
        "pl", "A partner's name can have at most {count} characters; this one has {length}.",
        count="120", length="189")) in unescape(long_name.text)
    assert t("pl", "Nothing was saved. Please check the form: {problem}", problem=t(
        "pl", "The email address “{address}” is too long: an address can have at most "
              "{count} characters.", address=too_long, count="64")) in unescape(long_email.text)
    # In the viewer's language, in the page's own words: no command-line options.
    assert t("pl", "A partner handles at least one category.") in unescape(no_category.text)
    assert t("pl", "The digest time “{value}” is not a time like 08:30.", value="25:00") in \
        unescape(bad_time.text)
    assert "--category" not in no_category.text
    async with app.database.transaction() as db:
        partner = await partners.get(db, partner_id)
        assert partner.name == "Northfield Surgery"
        assert partner.emails == ["desk@surgery.example"]


async def test_the_coverage_grid_names_the_gaps_in_words(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with app.database.transaction() as db:
        await partners.add(db, partners.Changes(name="Housing team", categories=["housing"],
                                                areas=["Northfield"]), app.clock())
        await partners.add(db, partners.Changes(name="Food bank",
                                                categories=["cost_of_living"],
                                                areas=["all"]), app.clock())
        area_count = len(list(await db.scalars(select(Area))))
    async with browser(app) as client:
        await sign_in(app, client, carol)
        page = await client.get("/dashboard/partners")
    grid = page.text.split("Who covers what")[1]
    housing = grid.split("Housing and damp")[1].split("</tr>")[0]
    assert housing.count("Housing team") == 1 and housing.count("No partner") == area_count - 1
    food = grid.split("Cost of living and food")[1].split("</tr>")[0]
    assert food.count("Food bank") == area_count and "No partner" not in food
    gaps = 12 * area_count - 1 - area_count
    assert f"{gaps} combinations of concern type and area have no partner" in page.text


async def test_a_contact_is_invited_with_a_code_for_that_partner(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with app.database.transaction() as db:
        made = await partners.add(db, partners.Changes(name="Surgery", categories=["gp_access"]),
                                  app.clock())
        partner_id = made.id
    async with browser(app) as client:
        await sign_in(app, client, carol)
        record = await client.get(f"/dashboard/partners/{partner_id}")
        assert "No contacts yet." in record.text
        contact = await add_person(app, Role.PARTNER, address="desk")
        async with app.database.transaction() as db:
            person = await db.get(Person, contact)
            assert person is not None
            person.partner_id, person.display_name = partner_id, "Priya at the desk"
        record = await client.get(f"/dashboard/partners/{partner_id}")
        assert "Priya at the desk (Active)" in record.text
        made_page = await client.post(f"/dashboard/partners/{partner_id}/invite",
                                      data={"csrf": csrf(record.text)})
    async with app.database.transaction() as db:
        invite = await db.scalar(select(Invite).where(Invite.partner_id == partner_id))
    assert invite is not None and invite.role == Role.PARTNER
    assert f"Invite code {invite.code}" in made_page.text


async def test_the_pages_work_with_no_partners_and_no_areas(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with app.database.transaction() as db:
        for area in await db.scalars(select(Area)):
            await db.delete(area)
    async with browser(app) as client:
        await sign_in(app, client, carol)
        page = await client.get("/dashboard/partners")
    assert "No partners yet." in page.text and "No areas yet" in page.text
