"""The escalation loop in conversation: a concern reaches the matching partner service, the
service acts on it from chat, and the champion hears back in their own language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import concernlist, escalations
from bot.services.permissions import OPERATOR, Actor
from bot.storage.database import Database
from bot.storage.models import (
    Escalation,
    EscalationStatus,
    OutboxMessage,
    Role,
)
from flows.i18n import language, moment
from tests.support.chat import Chat, joined, make_coordinator, t
from tests.support.partners import add_partner, partner_contact

pytestmark = pytest.mark.usefixtures("programme")

ELM = "Three families on Elm Street have black mould and the landlord does not answer."


async def raise_concern(chat: Chat, words: str = ELM, *, category: str = "4",
                        urgency: str = "2", contact: str = "1") -> None:
    await chat.says("/concern")
    await chat.says(category)
    await chat.says(words)
    await chat.says("3")  # many people
    await chat.says("1")  # my area
    await chat.says(urgency)
    await chat.says(contact)  # 1: they may contact me
    await chat.says("1")  # save


async def rows(app: App) -> list[Escalation]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(Escalation).order_by(Escalation.id)))


async def test_a_partner_joins_short_and_lands_in_the_partner_menu(app: App) -> None:
    partner = await add_partner(app)
    hana = await partner_contact(app, "hana", partner)
    hana.sees("Welcome, Hana!", t("en", "New and open concerns"))
    hana.does_not_see(t("en", "Log an activity"), t("en", "Which area do you mostly work in?"))


async def test_a_coordinator_gets_the_coordinator_menu(app: App) -> None:
    carol = await make_coordinator(app)
    await carol.says("menu")
    carol.sees(t("en", "Concerns needing routing"), t("en", "Open concerns"))
    carol.does_not_see(t("en", "Log an activity"))


async def test_a_polish_urgent_concern_reaches_the_partner_at_once_and_the_champion_hears_back(
    app: App,
) -> None:
    partner = await add_partner(app, emails=["damp@council.example"])
    hana = await partner_contact(app, "hana", partner)
    ola = await joined(app, "ola", "pl", name="Ola")
    await raise_concern(ola, "Trzy rodziny mają czarną pleśń, a właściciel nie odpowiada.",
                        urgency="1")
    ola.sees("C-1001")

    await hana.reads()
    hana.sees("URGENT concern C-1001 for Northfield Housing", "czarną pleśń",
              "Contact: Ola, console ola.", "ACK C-1001")
    async with app.database.transaction() as session:
        email = await session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "email"))
    assert email is not None and email.address == "damp@council.example"
    assert email.payload["subject"] == ("URGENT concern C-1001 for Northfield Housing · "
                                        "Housing and damp")
    assert "czarną pleśń" in email.payload["text"]

    await hana.says("ACK C-1001")
    hana.sees(t("en", "{reference} is now: {status}. The champion has been told.",
                reference="C-1001", status="Acknowledged"))
    await ola.reads()
    ola.sees(t("pl", "Update on your concern {reference}: {partner} has received it and will "
                     "look at it.", reference="C-1001", partner="Northfield Housing"))

    # The email link (hmail's page) calls the same service as chat.
    async with app.database.transaction() as session:
        outcome = await escalations.act(
            session, Actor("person", role=Role.PARTNER, partner_id=partner), "C-1001", "done",
            "Mould treated; the landlord will fix the roof.", app.clock())
    assert outcome.status is EscalationStatus.RESOLVED
    await ola.reads()
    ola.sees(t("pl", "Update on your concern {reference}: {partner} has dealt with it.",
               reference="C-1001", partner="Northfield Housing"),
             "Mould treated; the landlord will fix the roof.")

    await ola.says("menu")
    await ola.says("4")  # my concerns
    await ola.says("1")
    ola.sees(t("pl", "Acknowledged by the service"), t("pl", "Resolved"),
             "Mould treated")


async def test_a_partner_acts_from_the_menu_and_is_asked_for_a_note(app: App) -> None:
    partner = await add_partner(app)
    hana = await partner_contact(app, "hana", partner)
    amina = await joined(app, "amina")
    await raise_concern(amina)
    await hana.reads()
    hana.does_not_see("C-1001")  # not urgent: it waits for the digest

    await hana.says("1")  # new and open concerns
    hana.sees("C-1001 · Housing and damp · Northfield · New")
    await hana.says("1")
    hana.sees("Elm Street", "Acknowledge", "Not for us")
    await hana.says("2")  # in progress
    hana.sees("C-1001 is now: In progress.")
    await amina.reads()
    amina.sees("Update on your concern C-1001: Northfield Housing is working on it.")

    await hana.says("DONE C-1001")
    hana.sees("C-1001: please write a short note for the champion: what was done?")
    await hana.says("We visited and sent the landlord a notice.")
    hana.sees("C-1001 is now: Resolved.")
    await amina.reads()
    amina.sees("has dealt with it.", "We visited and sent the landlord a notice.")


async def test_a_status_a_coordinator_sets_is_not_told_as_the_services_doing(app: App) -> None:
    partner = await add_partner(app)
    hana = await partner_contact(app, "hana", partner)
    carol = await make_coordinator(app)
    ola = await joined(app, "ola", "pl", name="Ola")
    await raise_concern(ola)
    await hana.reads()
    await carol.reads()

    # The coordinator (here from the command line, as the chat and the dashboard do)
    # marks the housing service's concern acknowledged, then resolved with a note.
    async with app.database.transaction() as session:
        await escalations.act(session, OPERATOR, "C-1001", "ack", None, app.clock())
        await escalations.act(session, OPERATOR, "C-1001", "done", "The tenant was rehoused.",
                              app.clock())
    await ola.reads()
    ola.sees(t("pl", "Update on your concern {reference}: it has been received and will be "
                     "looked at.", reference="C-1001"),
             t("pl", "Update on your concern {reference}: it has been dealt with.",
               reference="C-1001"), "The tenant was rehoused.")
    ola.does_not_see("Northfield Housing")
    await ola.says("menu")
    await ola.says("4")  # my concerns
    await ola.says("1")
    ola.sees(t("pl", "Acknowledged"))
    ola.does_not_see(t("pl", "Acknowledged by the service"))
    await carol.reads()
    carol.sees(t("en", "Concern {reference} is resolved: “{note}”\nSend SAID {reference} to "
                       "tell the champions of the area (you said, we did).",
                 reference="C-1001", note="The tenant was rehoused."))
    carol.does_not_see("Northfield Housing has resolved")


async def test_not_for_us_goes_back_to_coordinators_who_route_it_elsewhere(app: App) -> None:
    first = await add_partner(app)
    other = await add_partner(app, "Riverside Legal Advice", categories=["other"], areas=["all"])
    hana = await partner_contact(app, "hana", first)
    lee = await partner_contact(app, "lee", other, name="Lee")
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await raise_concern(amina)

    await hana.says("NOTUS C-1001 This is a private landlord: legal advice fits better.")
    hana.sees("C-1001 has gone back to the coordinators.")
    await carol.reads()
    carol.sees("says concern C-1001 is not for them", "legal advice fits better")
    await amina.reads()
    amina.sees("Northfield Housing said it is not for them. A coordinator will find the right "
               "service.")

    await carol.says("menu")
    await carol.says("1")  # concerns needing routing
    carol.sees("C-1001 · Housing and damp · Northfield")
    await carol.says("1")
    carol.sees("Route it to a partner")
    await carol.says("1")
    carol.sees("Which partner service should take it?", "Riverside Legal Advice")
    await carol.says("Riverside Legal Advice")
    carol.sees("C-1001 is now with Riverside Legal Advice. The champion has been told.")
    await amina.reads()
    amina.sees("it has been passed to Riverside Legal Advice.")
    statuses = [(e.partner_id, e.status) for e in await rows(app)]
    assert statuses == [(first, EscalationStatus.NOT_FOR_US), (None, EscalationStatus.CLOSED),
                        (other, EscalationStatus.NEW)]
    await lee.says("1")
    lee.sees("C-1001")


async def test_with_no_matching_partner_the_concern_needs_routing(app: App) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await raise_concern(amina, category="8")  # transport: nobody handles it
    await carol.reads()
    carol.sees("New concern C-1001", "No partner service matches: it needs routing")
    assert [(e.partner_id, e.status) for e in await rows(app)] == [(None, EscalationStatus.NEW)]


async def test_after_resolution_the_coordinator_tells_the_areas_champions(app: App) -> None:
    partner = await add_partner(app)
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    bilal = await joined(app, "bilal", name="Bilal")
    await raise_concern(amina)
    async with app.database.transaction() as session:
        await escalations.act(session, Actor("person", role=Role.PARTNER, partner_id=partner),
                              "C-1001", "done", "The landlord has treated the mould.",
                              app.clock())
    await carol.reads()
    carol.sees("Northfield Housing has resolved concern C-1001", "Send SAID C-1001")
    await carol.says("SAID C-1001")
    carol.sees("Send “You said, we did” to the champions of this area")
    await carol.says("1")
    carol.sees("Sent to 2 champions of the area.")
    await bilal.reads()
    bilal.sees("You said, we did: a concern about Housing and damp in your area has been dealt "
               "with. The landlord has treated the mould.")


async def test_you_said_we_did_goes_once_and_what_can_be_refused_is_before_the_question(
        app: App) -> None:
    partner = await add_partner(app)
    hana = await partner_contact(app, "hana", partner)
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    bilal = await joined(app, "bilal", name="Bilal")
    await raise_concern(amina)
    await carol.says("SAID C-1001")  # not resolved yet: refused at once, no yes/no first
    carol.sees("You can send this once the concern is resolved.")
    carol.does_not_see("Send “You said, we did”")
    await carol.says("SAID C-9999")
    carol.sees("There is no concern C-9999.")
    carol.does_not_see("Send “You said, we did”")
    await hana.says("DONE C-1001 The landlord has treated the mould.")
    await hana.says("DONE C-1001")  # resolved already: no note asked for
    hana.sees("C-1001 is no longer open with you.")
    hana.does_not_see("please write a short note")
    await carol.says("SAID C-1001")
    await carol.says("1")
    carol.sees("Sent to 2 champions of the area.")
    sent_at = app.clock()
    await bilal.reads()
    bilal.sees("You said, we did")
    await carol.says("SAID C-1001")  # again: refused, saying when it went
    with language("en"):
        when = moment(sent_at, app.settings.zone)
    carol.sees(f"“You said, we did” was already sent for C-1001 on {when}.")
    carol.does_not_see("Send “You said, we did”")
    await carol.says("1")
    carol.does_not_see("Sent to 2 champions")
    await bilal.reads()
    assert bilal.replies == []  # each champion hears it once


async def test_a_coordinator_changes_a_status_and_writes_to_the_champion(app: App) -> None:
    await add_partner(app)
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await raise_concern(amina)
    await carol.says("menu")
    await carol.says("2")  # open concerns
    carol.sees("C-1001 · Housing and damp · Northfield · New")
    await carol.says("1")
    carol.sees("With: Northfield Housing", "Change its status")
    await carol.says("3")  # a note to the champion
    await carol.says("Thank you, we have chased the service.")
    carol.sees("Your note was sent to the champion.")
    await amina.reads()
    amina.sees("A coordinator wrote about your concern C-1001.",
               "Thank you, we have chased the service.")
    await carol.says("STATUS C-1001")
    await carol.says("4")  # closed
    await carol.says("The tenants have moved out.")
    carol.sees("C-1001 is now: Closed.")
    await amina.reads()
    amina.sees("a coordinator has closed it.", "The tenants have moved out.")


async def test_a_note_to_a_champion_who_was_forgotten_says_they_cannot_be_told(
        app: App) -> None:
    await add_partner(app)
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await raise_concern(amina)
    await amina.says("FORGET")
    await amina.says("1")
    await carol.says("menu")
    await carol.says("2")  # open concerns
    await carol.says("1")
    carol.sees("The champion asked to be forgotten: they can no longer be written to.")
    carol.does_not_see("Send a note to the champion")  # nobody to write to
    # Typed anyway, the note is kept on the concern, and she is told nobody heard it.
    await carol.says("NOTE C-1001 Thank you, we have chased the service.")
    carol.sees("Done. The champion can no longer be told: they asked to be forgotten.")
    carol.does_not_see("Your note was sent to the champion.")


async def test_forget_keeps_the_escalation_as_an_anonymous_record(app: App) -> None:
    partner = await add_partner(app)
    hana = await partner_contact(app, "hana", partner)
    amina = await joined(app, "amina")
    await raise_concern(amina)
    await amina.says("FORGET")
    await amina.says("1")
    (escalation,) = await rows(app)
    assert escalation.status is EscalationStatus.NEW
    await hana.says("1")
    await hana.says("1")
    hana.sees("C-1001", "(no words kept)",
              "The champion asked to be forgotten: they can no longer be written to.")
    hana.does_not_see("Elm Street", "Amina", "asked to stay anonymous")


async def test_a_restart_between_routing_and_sending_loses_nothing_and_repeats_nothing(
    app: App,
) -> None:
    partner = await add_partner(app)
    hana = await partner_contact(app, "hana", partner)
    amina = await joined(app, "amina")
    await raise_concern(amina, urgency="1")  # routed, alert written, nothing sent to Hana yet

    restarted = App(app.settings, Database(app.settings.database_url), app.clock)
    try:
        after = Chat(restarted, "hana")  # a new process's dispatcher
        await after.reads()
        after.sees("URGENT concern C-1001 for Northfield Housing")
        assert await after.reads() == ""
    finally:
        await restarted.database.close()
    assert await hana.reads() == ""
    assert len(await rows(app)) == 1


async def test_a_concern_moved_to_another_service_tells_the_first_one_it_is_not_theirs(
    app: App,
) -> None:
    first = await add_partner(app)
    other = await add_partner(app, "Riverside Legal Advice", categories=["other"], areas=["all"])
    hana = await partner_contact(app, "hana", first)
    lee = await partner_contact(app, "lee", other, name="Lee")
    amina = await joined(app, "amina")
    await raise_concern(amina)
    await hana.says("1")  # new and open concerns
    hana.sees("C-1001")

    async with app.database.transaction() as session:
        outcome = await escalations.act(session, OPERATOR, "C-1001", "route", None,
                                        app.clock(), partner_id=other)
    assert outcome.status is EscalationStatus.NEW
    await hana.reads()
    hana.sees("C-1001 has been passed to Riverside Legal Advice by a coordinator. Nothing more "
              "is needed from you.")
    await lee.says("1")
    lee.sees("C-1001")
    await amina.reads()
    amina.sees("it has been passed to Riverside Legal Advice.")
    assert [(e.partner_id, e.status) for e in await rows(app)] == [
        (first, EscalationStatus.CLOSED), (other, EscalationStatus.NEW)]


CHEST_PAIN = "After the talk a man told me he can't breathe properly and has chest pain"


async def danger_in_a_housing_concern(chat: Chat) -> None:
    """A concern about housing whose words are a red flag (the rest still to answer)."""
    await chat.says("/concern")
    await chat.says("4")  # housing and damp
    await chat.says("My neighbour in the damp flat says she wants to kill herself")


async def test_a_red_flag_outside_a_concern_is_on_the_coordinators_lists_at_once(
    app: App,
) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await amina.says(CHEST_PAIN)  # at the menu, not raising a concern
    amina.sees("call 999 now")
    await carol.reads()
    carol.sees("URGENT, possible danger", "C-1001")

    await carol.says("menu")
    await carol.says("1")  # concerns needing routing
    carol.sees("C-1001")
    async with app.database.transaction() as session:
        listed = await concernlist.listing(session, app.settings, app.clock(),
                                           open_only=True)
    assert any(line.startswith("C-1001") for line in listed)
    assert [(e.partner_id, e.status, e.urgent) for e in await rows(app)] == [
        (None, EscalationStatus.NEW, True)]


async def test_a_red_flag_the_champion_confirms_passes_from_coordinators_to_the_service(
    app: App,
) -> None:
    housing = await add_partner(app)
    hana = await partner_contact(app, "hana", housing)
    amina = await joined(app, "amina")
    await danger_in_a_housing_concern(amina)
    amina.sees("999")
    assert [(e.partner_id, e.status) for e in await rows(app)] == [
        (None, EscalationStatus.NEW)]  # with the coordinators while she goes on
    for answer in ["1", "1", "1", "1"]:  # one person, my area, they may contact me, save
        await amina.says(answer)
    amina.sees("C-1001")
    assert [(e.partner_id, e.status) for e in await rows(app)] == [
        (None, EscalationStatus.CLOSED), (housing, EscalationStatus.NEW)]
    await hana.reads()
    hana.sees("URGENT concern C-1001")


async def test_a_red_flag_routed_by_a_coordinator_stays_with_that_service_when_confirmed(
    app: App,
) -> None:
    housing = await add_partner(app)
    legal = await add_partner(app, "Riverside Legal Advice", categories=["other"],
                              areas=["all"])
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await danger_in_a_housing_concern(amina)
    await carol.says("menu")
    await carol.says("1")  # concerns needing routing
    await carol.says("1")  # C-1001
    await carol.says("1")  # route it to a partner
    await carol.says("Riverside Legal Advice")
    carol.sees("C-1001 is now with Riverside Legal Advice.")
    for answer in ["1", "1", "1", "1"]:  # one person, my area, they may contact me, save
        await amina.says(answer)
    assert [(e.partner_id, e.status) for e in await rows(app)] == [
        (None, EscalationStatus.CLOSED), (legal, EscalationStatus.NEW)]
    assert housing != legal


async def test_routing_to_a_service_that_already_has_it_is_refused_and_changes_nothing(
    app: App,
) -> None:
    council = await add_partner(app)
    charity = await add_partner(app, "Damp Busters", categories=["housing"], areas=["all"])
    amina = await joined(app, "amina")
    await raise_concern(amina)  # housing in Northfield: both services have it
    first = (await rows(app))[0]
    async with app.database.transaction() as session:
        with pytest.raises(escalations.ActionError, match="already with Damp Busters"):
            await escalations.act(session, OPERATOR, first.id, "route", None, app.clock(),
                                  partner_id=charity)
    # As a page or a chat step does: the refusal is shown and the transaction commits.
    assert [(e.partner_id, e.status) for e in await rows(app)] == [
        (council, EscalationStatus.NEW), (charity, EscalationStatus.NEW)]


async def test_a_partner_acting_on_a_forgotten_champions_concern_is_not_told_they_heard(
    app: App,
) -> None:
    partner = await add_partner(app)
    hana = await partner_contact(app, "hana", partner)
    amina = await joined(app, "amina")
    await raise_concern(amina)
    await amina.says("FORGET")
    await amina.says("1")
    await hana.says("ACK C-1001")
    hana.sees("C-1001: Done. The champion can no longer be told: they asked to be forgotten.")
    hana.does_not_see("The champion has been told.")


async def test_a_safeguarding_concern_is_urgent_for_the_coordinator_as_for_the_champion(
    app: App,
) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    # Safeguarding, marked only "general feedback" by the champion: urgent by its category.
    await raise_concern(amina, "A child on our street is not being looked after.",
                        category="11", urgency="3")
    amina.sees("marked urgent")
    await carol.reads()
    carol.sees("URGENT concern C-1001")
    carol.does_not_see("New concern C-1001")


async def test_a_concern_kept_from_a_danger_message_is_not_called_a_wish_to_stay_anonymous(
    app: App,
) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await amina.says("my brother has chest pain")  # kept as an urgent concern, C-1001
    await carol.says("menu")
    await carol.says("1")  # concerns needing routing
    await carol.says("1")  # C-1001
    carol.sees("C-1001", "Kept from an urgent message: the champion was not asked about "
                         "being contacted.")
    carol.does_not_see("asked to stay anonymous")


async def test_a_concern_with_two_services_is_two_lines_and_each_acts_on_its_own(
        app: App) -> None:
    first = await add_partner(app, "Housing A", areas=["all"])
    second = await add_partner(app, "Housing B", areas=["all"])
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await raise_concern(amina)  # both services take housing: each has it
    await carol.says("menu")
    await carol.says("2")  # open concerns
    carol.sees("1. C-1001 · Housing and damp · Northfield · New · Housing A",
               "2. C-1001 · Housing and damp · Northfield · New · Housing B")
    await carol.says("2")
    carol.sees("With: Housing B")
    await carol.says("2")  # change its status
    await carol.says("2")  # in progress
    carol.sees("C-1001 is now: In progress.")
    statuses = {e.partner_id: e.status for e in await rows(app)}
    assert statuses == {first: EscalationStatus.NEW, second: EscalationStatus.IN_PROGRESS}

    await carol.says("menu")
    await carol.says("2")
    await carol.says("1")  # Housing A's line, still new
    carol.sees("With: Housing A", "Now: New.")
    await carol.says("2")  # change its status
    await carol.says("1")  # acknowledged
    carol.sees("C-1001 is now: Acknowledged.")
    statuses = {e.partner_id: e.status for e in await rows(app)}
    assert statuses == {first: EscalationStatus.ACKNOWLEDGED,
                        second: EscalationStatus.IN_PROGRESS}


async def test_two_coordinators_routing_the_same_concern_the_second_is_told_it_moved(
        app: App) -> None:
    housing = await add_partner(app, "Northfield Housing", categories=["other"])
    await add_partner(app, "Bus Help", categories=["other"], areas=["all"])
    carol = await make_coordinator(app)
    dave = await make_coordinator(app, "dave")
    amina = await joined(app, "amina")
    await raise_concern(amina, category="8")  # transport: nobody takes it, it needs routing
    for coordinator in (carol, dave):  # both open it from "Concerns needing routing"
        await coordinator.says("menu")
        await coordinator.says("1")
        await coordinator.says("1")
        await coordinator.says("1")  # route it to a partner
    await carol.says("Northfield Housing")
    carol.sees("C-1001 is now with Northfield Housing. The champion has been told.")
    await dave.says("Bus Help")  # on the list he was shown before she chose
    dave.sees("C-1001 has changed since you opened it: it is now with Northfield Housing. "
              "Nothing was changed.")
    open_now = [(e.partner_id, e.status) for e in await rows(app)
                if e.status is not EscalationStatus.CLOSED]
    assert open_now == [(housing, EscalationStatus.NEW)]
    await amina.reads()
    amina.does_not_see("Bus Help")


async def test_a_coordinators_page_the_service_closed_meanwhile_says_it_changed(
        app: App) -> None:
    partner = await add_partner(app)
    hana = await partner_contact(app, "hana", partner)
    amina = await joined(app, "amina")
    await raise_concern(amina)
    (shown,) = await rows(app)  # the escalation a coordinator's page (or line) showed
    await hana.says("DONE C-1001 The landlord treated the mould.")  # meanwhile
    async with app.database.transaction() as session:
        with pytest.raises(escalations.ActionError) as refused:
            await escalations.act(session, OPERATOR, shown.id, "progress", None, app.clock())
    assert refused.value.message == ("C-1001 has changed since you opened it. Nothing was "
                                     "changed: please open it again.")
    (after,) = await rows(app)
    assert after.status is EscalationStatus.RESOLVED


async def test_a_concern_two_services_hold_is_dealt_with_when_both_are_done(app: App) -> None:
    from bot.storage.models import Concern, ConcernStatus

    await add_partner(app, "Housing A", areas=["all"])
    second = await add_partner(app, "Housing B", areas=["all"])
    bea = await partner_contact(app, "bea", second, name="Bea")
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await raise_concern(amina)
    await amina.reads()
    await carol.says("menu")
    await carol.says("2")  # open concerns
    await carol.says("1")  # Housing A's line
    await carol.says("2")  # change its status
    await carol.says("3")  # resolved
    await carol.says("Housing A has nothing more to do here.")
    carol.sees("C-1001 is now Resolved with Housing A. It is still open with Housing B: the "
               "champion will hear when it is dealt with there.")
    await amina.reads()
    amina.does_not_see("dealt with")  # not while Housing B still has it

    async def concern_status() -> ConcernStatus:
        async with app.database.transaction() as session:
            (concern,) = list(await session.scalars(select(Concern)))
            return concern.status

    assert await concern_status() is not ConcernStatus.RESOLVED
    await bea.says("DONE C-1001 The landlord treated the mould.")
    await amina.reads()
    amina.sees("Update on your concern C-1001: Housing B has dealt with it.")
    assert await concern_status() is ConcernStatus.RESOLVED


async def test_a_coordinator_told_it_came_back_reads_who_raised_it_not_anonymous(
        app: App) -> None:
    partner = await add_partner(app)
    hana = await partner_contact(app, "hana", partner)
    carol = await make_coordinator(app)
    amina = await joined(app, "amina", name="Amina")
    await raise_concern(amina, contact="2")  # the service may not be given her details
    await hana.says("NOTUS C-1001 This is a private landlord.")
    await carol.reads()
    carol.sees("says concern C-1001 is not for them",
               "From: Amina. The champion did not agree to be contacted about this concern.")
    carol.does_not_see("asked to stay anonymous")
    await hana.says("menu")  # the service still does not see who
    await hana.says("1")
    hana.does_not_see("Amina")


async def test_a_note_from_a_web_form_keeps_no_control_characters(app: App) -> None:
    from bot.storage.models import ConcernUpdate

    await add_partner(app)
    amina = await joined(app, "amina")
    await raise_concern(amina)
    async with app.database.transaction() as session:
        await escalations.act(session, OPERATOR, "C-1001", "done", "ok\x01 fixed\x07",
                              app.clock())
    await amina.reads()
    amina.sees("“ok fixed”")
    async with app.database.transaction() as session:
        notes = list(await session.scalars(select(ConcernUpdate.note).where(
            ConcernUpdate.note.is_not(None))))
    assert notes == ["ok fixed"]
