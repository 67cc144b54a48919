"""Joining through the one inbound path, as a person in the simulator would."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.services import invites
from bot.services.demo import Demo
from bot.storage.models import (
    Consent,
    Conversation,
    Identity,
    InboundMessage,
    Invite,
    OutboxMessage,
    Person,
    Role,
    Status,
)
from flows.definitions.joining import CONSENT_VERSION
from flows.languages import get as language
from tests.support.chat import Chat, t
from tests.support.clock import FakeClock

pytestmark = pytest.mark.usefixtures("programme")


async def count(app: App, model: type) -> int:
    async with app.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def join(chat: Chat, code: str = "ur", name: str = "Amina") -> None:
    await chat.says("JOIN DEMO2026")
    await chat.says(language(code).native_name)
    await chat.says("1")  # I agree
    await chat.says(name)
    await chat.says("Northfield")
    await chat.says("1, 3")


@pytest.mark.parametrize("code", ["ur", "pl", "ar"])
async def test_a_champion_joins_in_their_language_and_sees_the_menu_in_it(
    app: App, code: str
) -> None:
    amina = Chat(app, "amina")
    await amina.says("hello")
    amina.sees("Riverside Health Champions", "invite code")

    await amina.says("JOIN DEMO2026")
    amina.sees("Which language would you like to use?", "اردو", "Polski", "العربية")

    await amina.says(language(code).native_name)
    amina.sees(t(code, "Yes, I agree"))

    await amina.says("1")
    amina.sees(t(code, "What would you like us to call you? A first name or a nickname is fine."))

    await amina.says("Amina")
    amina.sees(t(code, "Which area do you mostly work in?"), "Northfield")

    await amina.says("Northfield")
    amina.sees(t(code, "Vaccination"), t(code, "Diabetes"))

    await amina.says("1, 3")
    amina.sees(t(code, "What would you like to do?"), t(code, "Settings"), t(code, "Help"))
    amina.does_not_see("What would you like to do?")  # not left in English

    async with app.database.transaction() as session:
        person = await session.scalar(select(Person))
        assert person is not None
        assert (person.display_name, person.language, person.role, person.status) == (
            "Amina", code, Role.CHAMPION, Status.ACTIVE)
        assert person.topics == ["vaccination", "diabetes"]
        consent = await session.scalar(select(Consent))
        assert consent is not None and consent.version == CONSENT_VERSION
        assert consent.person_id == person.id
        identity = await session.scalar(select(Identity))
        assert identity is not None and identity.person_id == person.id
        invite = await invites.find(session, "DEMO2026")
        assert invite is not None and invite.uses == 1


async def test_saying_no_to_consent_keeps_nothing_about_them(app: App) -> None:
    sam = Chat(app, "sam")
    await sam.says("JOIN DEMO2026")
    await sam.says("English")
    await sam.says("No")
    sam.sees("We have not kept anything about you")

    assert await count(app, Person) == 0
    assert await count(app, Identity) == 0
    assert await count(app, Conversation) == 0
    assert await count(app, Consent) == 0
    assert await count(app, OutboxMessage) == 0  # the goodbye is deleted once sent


async def test_the_name_is_optional(app: App) -> None:
    chat = Chat(app, "anon")
    await chat.says("JOIN DEMO2026")
    await chat.says("English")
    await chat.says("yes")
    await chat.says("skip")
    chat.sees("Which area")
    await chat.says("6")  # somewhere else
    await chat.says("skip")
    chat.sees("Welcome! You are now part of Riverside Health Champions.")
    async with app.database.transaction() as session:
        person = await session.scalar(select(Person))
        assert person is not None
        assert (person.display_name, person.area_id, person.topics) == (None, None, [])


@pytest.mark.parametrize(
    ("step_answers", "bad", "explanation"),
    [
        ([], "42", "Please send a number from 1 to 2."),  # consent: out of range
        ([], "Klingon", "Sorry, that isn't one of the options."),  # unknown option
        ([], "", "I didn't receive an answer."),  # an empty line
        (["yes"], "x" * 5000, "That is too long. Please keep it under 60 characters."),
        (["yes"], "😀😀😀🎉", "Please use letters, not only numbers, emoji or symbols."),
        (["yes", "Amina"], "0", "Please send a number from 1 to 6."),  # area
        (["yes", "Amina", "3"], "1, 99", "Please send numbers from 1 to 11, separated by commas."),
        (["yes", "Amina", "3"], "1, purple",
         "Sorry, I couldn't match all of that to the options."),
    ],
)
async def test_bad_answers_get_an_explanation_and_the_same_question_again(
    app: App, step_answers: list[str], bad: str, explanation: str
) -> None:
    chat = Chat(app, "amina")
    await chat.says("JOIN DEMO2026")
    await chat.says("English")
    for answer in step_answers:
        await chat.says(answer)
    question = chat.last.split("\n")[0]

    await chat.says(bad)
    chat.sees(explanation, question)

    async with app.database.transaction() as session:
        row = await session.scalar(select(Conversation))
        assert row is not None
        assert row.state["answers"]["language"] == "en"
        if "Amina" in step_answers:
            assert row.state["answers"]["name"] == "Amina"


async def test_bad_answers_are_explained_in_the_persons_language(app: App) -> None:
    chat = Chat(app, "amina")
    await chat.says("JOIN DEMO2026")
    await chat.says("Polski")
    await chat.says("Tak")  # yes, in Polish
    await chat.says("😀😀😀")
    chat.sees(t("pl", "Please use letters, not only numbers, emoji or symbols."),
              t("pl", "What would you like us to call you? A first name or a nickname is fine."))


async def test_numbers_in_the_persons_own_script_are_understood(app: App) -> None:
    chat = Chat(app, "rahim")
    await chat.says("JOIN DEMO2026")
    await chat.says("৩")  # Bengali digit three: the third language listed, বাংলা
    chat.sees(t("bn", "Yes, I agree"))


async def test_a_telegram_deep_link_carries_the_invite_code(app: App) -> None:
    chat = Chat(app, "42", channel="telegram", hint="pl-PL")
    await chat.says("/start DEMO2026")
    chat.sees(t("pl", "Which language would you like to use?"))
    assert chat.last.split("\n")[-10:][0].endswith("Polski")  # the hinted language first


async def test_unknown_expired_and_used_up_codes_are_explained(app: App, clock: FakeClock) -> None:
    async with app.database.transaction() as session:
        await invites.create(session, Role.CHAMPION, clock(), uses=1, days=1, code="ONCE1234")
    first = Chat(app, "first")
    await first.says("JOIN NOPE9999")
    first.sees("Sorry, I don't recognise that code.")
    await join(first, "en")

    second = Chat(app, "second")
    await second.says("JOIN ONCE1234")
    second.sees("Which language")  # still valid: nobody has finished joining with it
    clock.advance(days=2)
    late = Chat(app, "late")
    await late.says("JOIN ONCE1234")
    late.sees("That invite code has expired.")


async def test_a_code_used_up_while_someone_was_joining_is_refused_kindly(
    app: App, clock: FakeClock
) -> None:
    async with app.database.transaction() as session:
        await invites.create(session, Role.CHAMPION, clock(), uses=1, code="ONCE5678")
    a, b = Chat(app, "a"), Chat(app, "b")
    for chat in (a, b):
        await chat.says("JOIN ONCE5678")
        await chat.says("English")
        await chat.says("yes")
        await chat.says("skip")
        await chat.says("6")
    await a.says("skip")
    a.sees("Welcome!")
    await b.says("skip")
    b.sees("Sorry, that invite code can't be used any more.")
    assert await count(app, Person) == 1


async def test_a_coordinator_invite_makes_a_coordinator(app: App, programme: Demo) -> None:
    chat = Chat(app, "carol")
    await chat.says(f"JOIN {programme.coordinator_code}")
    await chat.says("English")
    await chat.says("yes")
    await chat.says("Carol")
    await chat.says("1")
    await chat.says("skip")
    async with app.database.transaction() as session:
        person = await session.scalar(select(Person))
        assert person is not None and person.role == Role.COORDINATOR


async def test_the_same_message_twice_changes_nothing_and_sends_nothing(app: App) -> None:
    chat = Chat(app, "amina")
    await chat.says("JOIN DEMO2026", message_id="wamid.1")
    outbox_before = await count(app, OutboxMessage)
    await chat.says("JOIN DEMO2026", message_id="wamid.1")
    assert chat.replies == []
    assert chat.last_handled is not None and chat.last_handled.value == "duplicate"
    assert await count(app, OutboxMessage) == outbox_before
    assert await count(app, InboundMessage) == 1


async def test_coming_back_after_a_day_gets_a_gentle_restart(app: App, clock: FakeClock) -> None:
    chat = Chat(app, "amina")
    await join(chat, "en")
    await chat.says("Settings")
    chat.sees("What would you like to change?")
    clock.advance(hours=25)
    await chat.says("2")
    chat.sees("Welcome back! It has been a while, so we are starting again.",
              "What would you like to do?")
    chat.does_not_see("What would you like us to call you?")


async def test_someone_who_stopped_half_way_through_joining_is_forgotten_after_a_day(
    app: App, clock: FakeClock
) -> None:
    from bot.services import retention

    chat = Chat(app, "amina")
    await chat.says("JOIN DEMO2026")
    await chat.says("English")
    clock.advance(hours=25)
    swept = await retention.sweep(app.database, clock(), app.settings.conversation_timeout)
    assert swept.strangers == 1
    assert await count(app, Identity) == 0


async def test_open_registration_waits_for_a_coordinator(
    app: App, clock: FakeClock, environ: dict[str, str]
) -> None:
    from bot.services import directory

    coordinator = Chat(app, "carol")
    await join(coordinator, "en", name="Carol")
    async with app.database.transaction() as session:
        carol = await session.scalar(select(Person))
        assert carol is not None
        carol.role = Role.COORDINATOR

    app.settings = app.settings.model_copy(update={"open_registration": True})
    newcomer = Chat(app, "nadia")
    await newcomer.says("hello")
    newcomer.sees("Which language")  # no invite code needed
    await newcomer.says("English")
    await newcomer.says("yes")
    await newcomer.says("Nadia")
    await newcomer.says("2")
    await newcomer.says("skip")
    newcomer.sees("A coordinator will confirm your place soon")
    newcomer.does_not_see("What would you like to do?")

    await coordinator.reads()
    coordinator.sees("Nadia has registered and is waiting for approval. Approve them with: "
                     "champbot people approve")

    await newcomer.says("menu")
    newcomer.sees("A coordinator will confirm your place soon")

    async with app.database.transaction() as session:
        nadia = await session.scalar(select(Person).where(Person.display_name == "Nadia"))
        assert nadia is not None and nadia.status == Status.PENDING
    await directory.approve(app, nadia.id)
    await newcomer.reads()
    newcomer.sees("Good news: a coordinator has confirmed your place.")
    await newcomer.says("menu")
    newcomer.sees("What would you like to do?")


async def test_invite_codes_are_single_use_by_default(app: App, clock: FakeClock) -> None:
    async with app.database.transaction() as session:
        made = await invites.create(session, Role.CHAMPION, clock())
        invite = await session.scalar(select(Invite).where(Invite.code == made.code))
        assert invite is not None and invite.max_uses == 1
    assert len(made.code) == 8
