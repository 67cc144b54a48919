"""Whole conversations over WhatsApp: signed webhooks in, the twilio client out.

Each scenario is what a person types on their phone and what reaches it. The
``joined`` helper brings someone through joining, so a later conversation
(logging an activity, raising a concern) starts from there in a few lines.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.models import Consent, Identity, InboundMessage, Person, Role, Status
from flows.languages import get as language
from tests.support.chat import t
from tests.support.whatsapp import Phone, WhatsApp

pytestmark = pytest.mark.usefixtures("programme")

SOMALI_NUMBER = "+252612345678"  # Somalia's calling code suggests Somali
UK_NUMBER = "+447700900123"


async def joined(whatsapp: WhatsApp, number: str, code: str, name: str = "Amina") -> Phone:
    """A champion who has joined on WhatsApp in language ``code``, answering by numbers."""
    phone = whatsapp.phone(number)
    await phone.says("JOIN DEMO2026")
    languages = phone.last.splitlines()
    number_of = next(line.split(".")[0].strip("\u200f") for line in languages
                     if line.endswith(language(code).native_name))
    await phone.says(number_of)
    await phone.says("1")  # yes, I agree
    await phone.says(name)
    await phone.says("1")  # the first area
    await phone.says("1, 3")
    phone.sees(t(code, "What would you like to do?"))
    return phone


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
               "What would you like to do?", "1. Settings")

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


@pytest.mark.parametrize(("number", "code"), [(UK_NUMBER, "en"), (SOMALI_NUMBER, "so")])
async def test_the_joined_helper_leaves_a_champion_at_the_menu(
    app: App, whatsapp: WhatsApp, number: str, code: str
) -> None:
    phone = await joined(whatsapp, number, code)
    await phone.says("2")  # Help
    phone.sees("Riverside Health Champions", t(code, "What would you like to do?"))
    async with app.database.transaction() as session:
        assert await session.scalar(select(Person.language)) == code
        assert len(list(await session.scalars(select(InboundMessage)))) == 7
