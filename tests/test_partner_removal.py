"""Removing a partner service: the concerns it held go back to the coordinators to route,
the champion is told where their concern is (and nothing false), and its contacts lose
partner access: no concerns to see or act on, no dashboard, no broadcasts to partners."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import audiences, concernlist, coordinators, partners, permissions
from bot.services.permissions import Action
from bot.storage.models import AuditEntry, Concern, ConcernStatus, Escalation, Person
from tests.support.chat import joined, make_coordinator, t
from tests.support.dashboard import browser, csrf, sign_in
from tests.support.partners import add_partner, partner_contact
from tests.test_cli import champbot
from tests.test_escalations import raise_concern

pytestmark = pytest.mark.usefixtures("programme")

BACK = "{partner} is no longer a partner service. Back with you, to route to another service: " \
       "{references}."
TOLD = "Update on your concern {reference}: {partner} is no longer one of our partner " \
       "services. A coordinator will find the right service."


async def statuses(app: App) -> list[tuple[int | None, str]]:
    async with app.database.transaction() as session:
        return [(e.partner_id, e.status.value) for e in await session.scalars(
            select(Escalation).order_by(Escalation.id))]


async def remove(app: App, partner_id: int) -> partners.Removed:
    async with app.database.transaction() as session:
        return await partners.remove(session, partner_id, app.clock())


async def test_a_removed_partners_open_concern_goes_back_to_routing_and_its_contact_loses_access(
        app: App) -> None:
    temp = await add_partner(app, name="Temp2")
    mo = await partner_contact(app, "mo", temp, name="Mo")
    carol = await make_coordinator(app)
    amina = await joined(app, "amina", "pl")
    await raise_concern(amina)
    await mo.says("1")  # new and open concerns
    mo.sees("C-1001")
    assert await statuses(app) == [(temp, "new")]

    removed = await remove(app, temp)

    assert await statuses(app) == [(temp, "closed"), (None, "new")]
    assert removed.returned == 1
    async with app.database.transaction() as session:
        listed = "\n".join(await concernlist.listing(session, app.settings, app.clock()))
        concern = await session.get(Concern, 1)
        assert concern is not None and concern.status is ConcernStatus.RETURNED
    assert "Temp2: closed; needs routing: new" in listed
    await carol.reads()
    carol.sees(t("en", BACK, partner="Temp2", references="C-1001"))
    await carol.says("menu")
    await carol.says("1")  # concerns needing routing
    carol.sees("C-1001 · Housing and damp · Northfield · New")
    await amina.reads()
    assert amina.replies == [t("pl", TOLD, reference="C-1001", partner="Temp2")]

    # The contact: told, no partner menu, nothing to see, and acting is refused (audited).
    await mo.reads()
    mo.sees(t("en", "Your organisation is no longer one of our partner services, so there "
                    "are no concerns here for you to act on."))
    await mo.says("menu")
    mo.sees(t("en", "Your organisation is no longer one of our partner services, so there "
                    "are no concerns here for you to act on."))
    mo.does_not_see(t("en", "New and open concerns"), "C-1001")
    await mo.says("ACK C-1001")
    mo.sees(t("en", "Sorry, {reference} is not one of your service's concerns.",
              reference="C-1001"))
    mo.does_not_see(t("en", "The champion has been told."))
    await amina.reads()
    assert amina.replies == []  # nobody told her Temp2 has received it
    assert await statuses(app) == [(temp, "closed"), (None, "new")]
    for command in ("/log", "/dashboard", "/concerns"):
        await mo.says(command)
        mo.sees(t("en", "Sorry, /{command} is not in your menu. Here is what you can do:",
                  command=command[1:]))
    async with app.database.transaction() as session:
        person = await session.scalar(select(Person).where(Person.display_name == "Mo"))
        assert person is not None
        actor = await coordinators.actor_of(session, person)
        assert not permissions.allowed(actor, Action.VIEW_DASHBOARD)
        assert not permissions.allowed(actor, Action.VIEW_CONCERNS)
        refused = await session.scalar(select(AuditEntry).where(
            AuditEntry.actor == f"person:{person.id}", AuditEntry.action == "refused"))
        assert refused is not None
        # Not an audience any more: "roles: [partners]" reaches nobody.
        gone = await audiences.resolve(session, {"roles": ["partners"]})
        assert await audiences.counts(session, gone) == {}


async def test_a_concern_another_service_still_holds_stays_with_it(app: App) -> None:
    temp = await add_partner(app, name="Temp2")
    kept = await add_partner(app, name="Northfield Housing")
    hana = await partner_contact(app, "hana", kept)
    amina = await joined(app, "amina")
    await raise_concern(amina)
    assert await statuses(app) == [(temp, "new"), (kept, "new")]
    await amina.reads()

    removed = await remove(app, temp)

    assert await statuses(app) == [(temp, "closed"), (kept, "new")]
    assert removed.returned == 0
    await amina.reads()
    assert amina.replies == []
    await hana.says("ACK C-1001")
    hana.sees(t("en", "{reference} is now: {status}. The champion has been told.",
                reference="C-1001", status="Acknowledged"))
    async with app.database.transaction() as session:
        still = await audiences.resolve(session, {"roles": ["partners"]})
        assert await audiences.counts(session, still) == {("en", "console"): 1}


async def test_removing_a_partner_on_the_dashboard_says_how_many_concerns_went_back(
        app: App) -> None:
    temp = await add_partner(app, name="Temp2")
    await make_coordinator(app)
    amina = await joined(app, "amina")
    await raise_concern(amina)
    async with app.database.transaction() as session:
        carol = await session.scalar(select(Person.id).where(Person.display_name == "Carol"))
    assert carol is not None
    async with browser(app) as client:
        await sign_in(app, client, carol)
        page = await client.get(f"/dashboard/partners/{temp}")
        assert t("en", "The open concerns it holds go back to the coordinators for routing, "
                       "and its contacts can no longer see or act on concerns.") in page.text
        removed = await client.post(f"/dashboard/partners/{temp}/remove",
                                    data={"csrf": csrf(page.text)})
        listing = await client.get(removed.headers["location"])
    assert t("en", "Open concerns sent back to the coordinators for routing: {count}.",
             count="1") in listing.text
    assert await statuses(app) == [(temp, "closed"), (None, "new")]
    async with app.database.transaction() as session:
        changed_by = await session.scalar(select(Escalation.changed_by).where(
            Escalation.partner_id == temp))
    assert changed_by == f"person:{carol}"


def test_partners_remove_on_the_command_line_says_how_many_concerns_went_back(
        environ: dict[str, str], tmp_path: Path) -> None:
    # The demo programme is loaded (the "programme" fixture), as `champbot demo` would.
    def run(*args: str, stdin: str = "") -> str:
        return champbot(*args, stdin=stdin, environ=environ, cwd=tmp_path).stdout

    run("partners", "add", "Temp2", "--category", "housing", "--area", "all")
    run("invite", "--role", "partner", "--partner", "1")
    run("chat", "--as", "amina", stdin="\n".join([
        "JOIN DEMO2026", "English", "1", "Amina", "Northfield", "skip",
        "/concern", "4", "Black mould in six flats on Elm Street.", "3", "1", "2", "1", "1",
    ]) + "\n")
    assert "Temp2: new" in run("concerns")
    said = run("partners", "remove", "1")
    assert "partner 1 removed; its history is kept" in said
    assert "open concerns sent back to the coordinators for routing: 1" in said
    assert "Temp2: closed; needs routing: new" in run("concerns")
