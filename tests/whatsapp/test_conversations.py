"""Whole conversations over WhatsApp: signed webhooks in, the twilio client out.

Each scenario is what a person types on their phone and what reaches it. The
``champion`` fixture is someone who joined (in English, then again in Somali)
and stands at the main menu, so a later conversation (logging an activity,
raising a concern) starts from there in a few lines, in both languages.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.models import (
    Activity,
    Attachment,
    Concern,
    Consent,
    Identity,
    InboundMessage,
    Person,
    Role,
    Status,
)
from tests.support.chat import t
from tests.support.whatsapp import SOMALI_NUMBER, UK_NUMBER, Phone, WhatsApp

pytestmark = pytest.mark.usefixtures("programme")


async def test_a_champion_joins_in_english_by_numbers(app: App, whatsapp: WhatsApp) -> None:
    amina = whatsapp.phone(UK_NUMBER)
    await amina.says("hello")
    amina.sees("Riverside Health Champions", "invite code")
    assert amina.response is not None and amina.response.status_code == 200
    assert "<Response" in amina.response.text  # empty TwiML: replies go through the outbox

    await amina.says("JOIN DEMO2026")
    amina.sees("Which language would you like to use?", "1. English", "Soomaali")
    await amina.says("1")
    amina.sees("Do you agree?", "1. Yes, I agree", "2. No")
    await amina.says("1")
    amina.sees("What would you like us to call you?")
    await amina.says("Amina")
    amina.sees("Which area do you mostly work in?", "Northfield")
    await amina.says("2")
    amina.sees("Which health topics interest you?")
    await amina.says("1, 3")
    amina.sees("Welcome, Amina! You are now part of Riverside Health Champions.",
               "What would you like to do?", "1. Log an activity", "6. Settings")

    async with app.database.transaction() as session:
        person = await session.scalar(select(Person))
        assert person is not None
        assert (person.display_name, person.language, person.role, person.status) == (
            "Amina", "en", Role.CHAMPION, Status.ACTIVE)
        assert person.topics == ["vaccination", "diabetes"]
        identity = await session.scalar(select(Identity))
        assert identity is not None
        assert (identity.channel, identity.address, identity.person_id) == (
            "whatsapp", UK_NUMBER, person.id)
        assert await session.scalar(select(Consent.person_id)) == person.id
    assert all(m.sender == "whatsapp:+14155238886" for m in amina.received)


async def test_a_somali_number_is_offered_somali_first_and_joins_in_it(
    app: App, whatsapp: WhatsApp
) -> None:
    hodan = whatsapp.phone(SOMALI_NUMBER, profile_name="Hodan")
    await hodan.says("JOIN DEMO2026")
    hodan.sees(t("so", "Which language would you like to use?"), "1. Soomaali")
    await hodan.says("1")
    hodan.sees(t("so", "Yes, I agree"))
    await hodan.says("1")
    hodan.sees(t("so", "What would you like us to call you? A first name or a nickname is "
                       "fine."))
    await hodan.says("Hodan")
    await hodan.says("1")
    await hodan.says("2")
    hodan.sees(t("so", "What would you like to do?"), t("so", "Settings"))
    hodan.does_not_see("What would you like to do?")

    async with app.database.transaction() as session:
        person = await session.scalar(select(Person))
        assert person is not None and (person.display_name, person.language) == ("Hodan", "so")


async def test_a_champion_finds_help_from_the_menu_by_number(
    app: App, champion: Phone
) -> None:
    code = champion.language or "en"
    await champion.says("7")  # Help
    champion.sees("Riverside Health Champions", t(code, "What would you like to do?"))
    async with app.database.transaction() as session:
        assert await session.scalar(select(Person.language)) == code
        assert len(list(await session.scalars(select(InboundMessage)))) == 7


async def test_a_photo_or_a_place_where_words_are_expected_gets_the_question_again(
    whatsapp: WhatsApp,
) -> None:
    amina = whatsapp.phone(UK_NUMBER)
    for answer in ["JOIN DEMO2026", "1", "1"]:
        await amina.says(answer)
    await amina.sends_media("https://api.twilio.com/2010-04-01/Accounts/AC1/Media/ME1")
    assert len(amina.replies) == 1
    amina.sees("What would you like us to call you?")
    await amina.shares_location(51.5072, -0.1276, "Northfield Library")
    assert len(amina.replies) == 1
    amina.sees("What would you like us to call you?")


async def test_a_champion_logs_an_activity_by_numbers(app: App, champion: Phone) -> None:
    code = champion.language or "en"
    await champion.says("1")  # log an activity
    champion.sees(t(code, "What did you do?"), "2. " + t(code, "A group talk or session"))
    for answer in ["2", "3", "2", "1", "2", "25", "2"]:
        await champion.says(answer)
    await champion.says(t(code, "Skip"))  # no note
    champion.sees(t(code, "Please check your activity:"), "25")
    await champion.says("1")  # save
    champion.sees(t(code, "What would you like to do?"))
    async with app.database.transaction() as session:
        activity = await session.scalar(select(Activity))
    assert activity is not None
    assert (activity.kind, activity.topic, activity.venue, activity.people_reached,
            activity.minutes_given) == ("group", "diabetes", "community_centre", 25, 90)


async def test_a_champion_raises_a_concern_with_a_photo(app: App, champion: Phone) -> None:
    code = champion.language or "en"
    await champion.says("2")  # share a community concern
    await champion.says("4")  # housing and damp
    await champion.sends_media("https://api.twilio.com/2010-04-01/Accounts/AC1/Media/ME42",
                               caption="Black mould in three flats on Elm Street")
    champion.sees(t(code, "How many people does it affect?"))
    for answer in ["3", "1", "2", "1"]:
        await champion.says(answer)
    champion.sees(t(code, "Please check your concern:"), "Elm Street")
    await champion.says("1")
    champion.sees("C-1001")
    async with app.database.transaction() as session:
        concern = await session.scalar(select(Concern))
        attachment = await session.scalar(select(Attachment))
    assert concern is not None and concern.category == "housing"
    assert concern.description == "Black mould in three flats on Elm Street"
    assert attachment is not None and attachment.ref.endswith("/Media/ME42")
    assert (attachment.channel, attachment.content_type) == ("whatsapp", "image/jpeg")
