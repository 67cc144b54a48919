"""Whole conversations on Telegram, through python-telegram-bot and a local Bot API
server, by polling and by webhook: what the person sees, and what the database keeps."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.channels.telegram import updates
from bot.storage.models import (
    Activity,
    Attachment,
    Concern,
    Identity,
    InboundMessage,
    OutboxMessage,
    Person,
    Role,
    Status,
)
from bot.storage.models import Conversation as ConversationRow
from tests.support.chat import t
from tests.support.telegram_bot import SECRET, RunningBot, running_bot
from tests.support.telegram_messages import RLM
from tests.support.telegram_people import Person as TelegramPerson
from tests.support.telegram_server import FakeTelegram

pytestmark = pytest.mark.usefixtures("programme")


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram().running() as server:
        yield server


@pytest.fixture(params=["polling", "webhook"])
async def bot(request: pytest.FixtureRequest, app: App,
              telegram: FakeTelegram) -> AsyncIterator[RunningBot]:
    async with running_bot(app, telegram, request.param) as running:
        yield running


async def count(app: App, model: type) -> int:
    async with app.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def joins(person: TelegramPerson, code: str, language: str, name: str = "Amina") -> None:
    """Join by the deep link, answering every question with buttons where there are some."""
    await person.says("/start DEMO2026")
    await person.sees(t(code, "Which language would you like to use?"))
    await person.presses(language)
    await person.sees(t(code, "Yes, I agree"))
    await person.presses(t(code, "Yes, I agree"))
    await person.sees(t(code, "What would you like us to call you? A first name or a "
                              "nickname is fine."))
    await person.says(name)
    await person.sees(t(code, "Which area do you mostly work in?"))
    await person.presses("Northfield")
    await person.sees(t(code, "Vaccination"))
    await person.presses(t(code, "Vaccination"))
    await person.sees("✓ " + t(code, "Vaccination"))
    await person.presses(t(code, "Diabetes"))
    await person.sees("✓ " + t(code, "Diabetes"))
    await person.presses(t(code, "Done"))
    await person.sees(t(code, "What would you like to do?"))


async def logs_an_activity(person: TelegramPerson, code: str) -> None:
    """From the main menu: a group talk about diabetes yesterday, saved, with buttons."""
    await person.presses(t(code, "Log an activity"))
    await person.sees(t(code, "What did you do?"))
    await person.presses(t(code, "A group talk or session"))
    await person.presses(t(code, "Diabetes"))
    await person.presses(t(code, "Yesterday"))
    await person.presses("Northfield")
    await person.presses(t(code, "A community centre"))
    await person.sees(t(code, "About how many people did you reach? A good guess is fine."))
    await person.says("25")
    await person.presses(t(code, "1 to 2 hours"))
    await person.sees(t(code, "Anything else to add? Please don't write anyone's name or their "
                              "health details."))  # the time question had a Skip too
    await person.presses(t(code, "Skip"))
    await person.sees(t(code, "Please check your activity:"))
    await person.presses(t(code, "Save"))
    await person.sees(t(code, "What would you like to do?"))


async def raises_a_concern(person: TelegramPerson, code: str) -> None:
    """By the /concern command: damp, with a photo, saved with a reference."""
    await person.says("/concern")
    await person.presses(t(code, "Housing and damp"))
    await person.sees(t(code, "What is happening? Please tell us in your own words. You can "
                              "also send a photo or a voice note. Please don't write people's "
                              "names."))
    await person.sends_photo(caption="Black mould in three flats on Elm Street")
    await person.presses(t(code, "Many people in the community"))
    await person.presses("Northfield")
    await person.presses(t(code, "It needs action soon"))
    await person.presses(t(code, "Yes, they may contact me"))
    await person.sees(t(code, "Please check your concern:"), "Elm Street")
    await person.presses(t(code, "Save"))
    await person.sees("C-10")


@pytest.mark.parametrize(("code", "language"), [("en", "English"), ("ar", "العربية")])
async def test_a_champion_joins_through_a_deep_link_with_buttons(
    app: App, telegram: FakeTelegram, bot: RunningBot, code: str, language: str
) -> None:
    amina = telegram.person(1001, "Amina", language_code=code)
    await joins(amina, code, language)

    async with app.database.transaction() as session:
        person = await session.scalar(select(Person))
        assert person is not None
        assert (person.display_name, person.language, person.role, person.status) == (
            "Amina", code, Role.CHAMPION, Status.ACTIVE)
        assert person.topics == ["vaccination", "diabetes"]
        identity = await session.scalar(select(Identity))
        assert identity is not None
        assert (identity.channel, identity.address) == ("telegram", "1001")
    assert amina.keyboards() == [[t(code, label) for label in (  # answered ones are closed
        "Log an activity", "Share a community concern", "Health information", "My concerns",
        "My impact", "Settings", "Help")]]


async def test_arabic_lines_are_marked_right_to_left(
    telegram: FakeTelegram, bot: RunningBot
) -> None:
    layla = telegram.person(1002, "Layla", language_code="ar")
    await joins(layla, "ar", "العربية", name="Layla")
    for line in layla.latest.text.split("\n"):
        assert not line or line.startswith(RLM), repr(line)
    assert all(label.startswith(RLM) for row in layla.latest.keyboard or [] for label in
               [b["text"] for b in row])


async def test_a_double_tap_on_one_button_is_one_answer(
    app: App, telegram: FakeTelegram, bot: RunningBot
) -> None:
    sam = telegram.person(1003, "Sam")
    await sam.says("/start DEMO2026")
    await sam.sees("Which language would you like to use?")
    languages = sam.message_with("English")  # the keyboard as the phone shows it
    first = await sam.presses("English", languages)
    second = await sam.presses("English", languages)  # before the keyboard disappeared
    await telegram.handled(second)
    await sam.sees("Yes, I agree")
    assert first != second
    assert sam.transcript().count("Before we start") == 1
    assert await count(app, InboundMessage) == 2  # /start and one press
    assert sam.keyboards() == [["Yes, I agree", "No"]]


async def test_an_old_button_gets_the_current_question_and_loses_no_answer(
    app: App, telegram: FakeTelegram, bot: RunningBot
) -> None:
    sam = telegram.person(1004, "Sam")
    await sam.says("/start DEMO2026")
    await sam.sees("Which language")
    languages = sam.message_with("Polski")
    await sam.presses("English", languages)
    await sam.presses("Yes, I agree")
    await sam.sees("What would you like us to call you?")
    await sam.presses("Polski", languages)  # an old keyboard, still on a slow phone
    await sam.sees("That button belongs to an earlier question. Here is the current one.",
                   "What would you like us to call you?")
    await sam.says("Sam")
    await sam.sees("Which area do you mostly work in?")
    async with app.database.transaction() as session:
        row = await session.scalar(select(ConversationRow))
        assert row is not None
        assert row.state["answers"]["language"] == "en"
        assert row.state["answers"]["consent"] == "yes"
        assert row.state["answers"]["name"] == "Sam"


async def test_the_same_update_twice_changes_nothing(
    app: App, telegram: FakeTelegram, bot: RunningBot
) -> None:
    sam = telegram.person(1005, "Sam")
    await sam.says("/start DEMO2026")
    await sam.sees("Which language")
    await sam.presses("English")
    await sam.sees("Yes, I agree")
    inbound, outbox = await count(app, InboundMessage), await count(app, OutboxMessage)
    # Telegram did not hear our answer in time and sends the press again; and, after a
    # crash before we confirmed it, a poll returns it again: the same update both ways.
    await bot.stop()
    again = await sam.repeats_last_update()
    await bot.start()
    await telegram.handled(again)
    assert await count(app, InboundMessage) == inbound
    assert await count(app, OutboxMessage) == outbox
    await sam.presses("Yes, I agree")
    await sam.sees("What would you like us to call you?")
    assert sam.transcript().count("Before we start") == 1


async def test_a_restart_mid_conversation_loses_no_answer_and_repeats_nothing(
    app: App, telegram: FakeTelegram, bot: RunningBot
) -> None:
    nadia = telegram.person(1006, "Nadia", language_code="pl")
    await nadia.says("/start DEMO2026")
    await nadia.sees(t("pl", "Which language would you like to use?"))
    await nadia.presses("Polski")
    await nadia.sees(t("pl", "Yes, I agree"))
    await bot.stop()
    await nadia.presses(t("pl", "Yes, I agree"))  # while the bot is down
    await nadia.says("Nadia")
    await bot.restart()
    await nadia.sees(t("pl", "Which area do you mostly work in?"))
    await nadia.presses("Northfield")
    await nadia.presses(t("pl", "Skip"))
    await nadia.sees(t("pl", "What would you like to do?"))
    async with app.database.transaction() as session:
        person = await session.scalar(select(Person))
        assert person is not None
        assert (person.display_name, person.language) == ("Nadia", "pl")
    transcript = nadia.transcript()
    assert transcript.count(t("pl", "What would you like us to call you? A first name or a "
                                    "nickname is fine.")) == 1


async def test_settings_from_the_command_menu_and_topics_toggled_in_place(
    app: App, telegram: FakeTelegram, bot: RunningBot
) -> None:
    amina = telegram.person(1007)
    await joins(amina, "en", "English")
    await amina.says("/settings")
    await amina.sees("What would you like to change?")
    await amina.presses("Topics I'm interested in")
    await amina.sees("Your topics are ticked.", "✓ Vaccination", "✓ Diabetes")  # chosen joining
    question = amina.latest.message_id
    await amina.presses("Housing")
    await amina.sees("✓ Housing")
    await amina.presses("Housing")  # and off again, on the redrawn keyboard
    await amina.sees("[Housing]")
    await amina.presses("Mental health")
    await amina.sees("✓ Mental health")
    assert amina.latest.message_id == question  # one message, redrawn, not one per tap
    await amina.presses("Done")
    await amina.sees("Saved. Thank you!")
    async with app.database.transaction() as session:
        person = await session.scalar(select(Person))
        assert person is not None and person.topics == ["vaccination", "diabetes",
                                                        "mental_health"]


async def test_quick_taps_on_toggles_each_tick_the_one_message(
    app: App, telegram: FakeTelegram, bot: RunningBot
) -> None:
    amina = telegram.person(1014)
    await joins(amina, "en", "English")
    await amina.says("/settings")
    await amina.presses("Topics I'm interested in")
    await amina.sees("Your topics are ticked.")
    topics = amina.message_with("Housing")  # the keyboard as the phone shows it
    question = topics.message_id
    for label in ("Housing", "Mental health", "Cancer screening"):
        await amina.presses(label, topics)  # each before the last one's tick appeared
    await amina.sees("✓ Housing", "✓ Mental health", "✓ Cancer screening")
    assert amina.latest.message_id == question  # each press redrawn, none sent anew
    assert amina.keyboards()[-1][:3] == ["✓ Vaccination", "✓ Cancer screening", "✓ Diabetes"]
    await amina.presses("Housing")  # and again, as soon as the ticks are there
    await amina.sees("[Housing]")
    assert amina.latest.message_id == question
    await amina.presses("Done")
    await amina.sees("Saved. Thank you!")
    async with app.database.transaction() as session:
        person = await session.scalar(select(Person))
        assert person is not None and person.topics == [
            "vaccination", "screening", "diabetes", "mental_health"]


async def test_a_double_tap_on_a_toggle_is_one_tick_and_a_typed_answer_comes_below(
    telegram: FakeTelegram, bot: RunningBot
) -> None:
    amina = telegram.person(1015)
    await joins(amina, "en", "English")
    await amina.says("/settings")
    await amina.presses("Topics I'm interested in")
    await amina.sees("Your topics are ticked.")
    topics = amina.message_with("Housing")
    await amina.presses("Housing", topics)
    second = await amina.presses("Housing", topics)  # the same button twice: one answer
    await telegram.handled(second)
    await amina.sees("✓ Housing")
    await amina.says("2")  # typed: the ticks come under what she wrote, not above it
    await amina.sees("✓ Cancer screening", "✓ Housing")
    assert amina.messages[-1].message_id > amina.last_message_id > topics.message_id
    assert [m.message_id for m in amina.messages if m.keyboard] == [
        amina.messages[-1].message_id]  # the keyboard above was closed


async def test_an_edited_message_is_politely_not_read(
    app: App, telegram: FakeTelegram, bot: RunningBot
) -> None:
    sam = telegram.person(1008, "Sam")
    await sam.says("/start DEMO2026")
    await sam.presses("English")
    await sam.presses("Yes, I agree")
    await sam.says("Smaa")  # a typo…
    await sam.sees("Which area do you mostly work in?")
    edit = await sam.edits(sam.last_message_id, "Sam")  # …corrected in place
    await sam.sees("Sorry, I can't read changes to a message. Please send it again as a "
                   "new message.")
    await sam.repeats_last_update()
    await telegram.handled(edit)
    async with app.database.transaction() as session:
        row = await session.scalar(select(ConversationRow))
        assert row is not None and row.state["step"] == "area"  # still at the same question
    assert sam.transcript().count("I can't read changes") == 1


async def test_names_with_markup_characters_are_shown_as_typed(
    telegram: FakeTelegram, bot: RunningBot
) -> None:
    tom = telegram.person(1009, "Tom")
    await joins(tom, "en", "English", name="Tom <3 & <b>Jerry</b>")
    await tom.sees("Welcome, Tom <3 & <b>Jerry</b>!")


async def test_photos_voice_notes_and_locations_reach_the_conversation(
    app: App, telegram: FakeTelegram, bot: RunningBot
) -> None:
    amina = telegram.person(1010)
    await joins(amina, "en", "English")
    before = await count(app, InboundMessage)
    await amina.sends_photo()  # at the menu: a concern that keeps it
    await amina.sees("I have started one with yours", "What is the concern about?")
    await amina.sends_voice()
    await amina.sees("Added to your concern. Photos and voice notes so far: 2.")
    await amina.shares_location(51.5, -0.12)
    await amina.sees("Sorry, we can't use a shared location.", "What is the concern about?")
    assert await count(app, InboundMessage) == before + 3


async def test_group_chats_are_ignored(app: App, telegram: FakeTelegram, bot: RunningBot) -> None:
    amina = telegram.person(1011)
    group = {"message_id": 1, "date": 1_780_000_000, "text": "/start DEMO2026",
             "chat": {"id": -500, "type": "group", "title": "Champions"}, "from": amina.user}
    ignored = await telegram.add_update({"message": group})
    await telegram.handled(ignored)
    assert await count(app, InboundMessage) == 0
    assert await count(app, Identity) == 0


async def test_the_command_menu_is_published_in_every_language(
    telegram: FakeTelegram, bot: RunningBot
) -> None:
    await telegram.wait_until(lambda: len(telegram.commands) == 11, what="11 command menus")
    assert [c["command"] for c in telegram.commands["ar"]] == [
        "menu", "log", "concern", "info", "concerns", "impact", "settings", "language", "help",
        "stop"]
    assert telegram.commands["ar"][1]["description"] == t("ar", "Log an activity")
    assert telegram.commands[""][0]["description"] == "Main menu"  # everyone else


@pytest.mark.parametrize("secret", [None, "wrong-secret", SECRET.upper()])
async def test_a_webhook_request_without_our_secret_is_refused_and_changes_nothing(
    app: App, telegram: FakeTelegram, secret: str | None
) -> None:
    async with running_bot(app, telegram, "webhook") as bot:
        amina = telegram.person(1012)
        update = {"update_id": 77, "message": {
            "message_id": 1, "date": 1_780_000_000, "text": "/start DEMO2026",
            "chat": {"id": 1012, "type": "private", "first_name": "Amina"},
            "from": amina.user}}
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        assert bot.channel is not None
        await bot.channel.connected.wait()
        async with httpx.AsyncClient() as client:
            refused = await client.post(bot.webhook_url, json=update, headers=headers)
            unreadable = await client.post(bot.webhook_url, content=b"{not json",
                                           headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert refused.status_code == 403
        assert unreadable.status_code == 400
        for model in (InboundMessage, Identity, OutboxMessage):
            assert await count(app, model) == 0
        assert amina.messages == []


GOOD_MESSAGE = {"message_id": 1, "date": 1_780_000_000, "text": "/start DEMO2026",
                "chat": {"id": 1012, "type": "private"}, "from": {"id": 1012, "is_bot": False,
                                                                   "first_name": "Amina"}}


@pytest.mark.parametrize("update", [
    None, [], [GOOD_MESSAGE], "update", 77, True,
    {"message": GOOD_MESSAGE},
    {"update_id": "77", "message": GOOD_MESSAGE},
    {"update_id": True, "message": GOOD_MESSAGE},
    {"update_id": 77, "message": "hello"},
    {"update_id": 77, "message": [GOOD_MESSAGE]},
    {"update_id": 77, "message": {**GOOD_MESSAGE, "chat": {"id": "1012", "type": "private"}}},
    {"update_id": 77, "message": {**GOOD_MESSAGE, "chat": None}},
    {"update_id": 77, "message": {**GOOD_MESSAGE, "text": 5}},
    {"update_id": 77, "message": {**GOOD_MESSAGE, "date": "today"}},
    {"update_id": 77, "message": {**GOOD_MESSAGE, "from": {"id": 1012, "language_code": 7}}},
    {"update_id": 77, "callback_query": {"id": "1", "from": {"id": 1012}, "data": ["x"],
                                         "message": GOOD_MESSAGE}},
], ids=lambda update: json.dumps(update)[:40])
async def test_a_malformed_webhook_update_is_refused_with_400_and_changes_nothing(
    app: App, telegram: FakeTelegram, update: object
) -> None:
    async with running_bot(app, telegram, "webhook") as bot:
        assert bot.channel is not None
        await bot.channel.connected.wait()
        async with httpx.AsyncClient() as client:
            answer = await client.post(bot.webhook_url, json=update,
                                       headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert answer.status_code == 400
        for model in (InboundMessage, Identity, OutboxMessage):
            assert await count(app, model) == 0


async def test_a_lone_surrogate_in_a_webhook_update_is_kept_and_answered(
    app: App, telegram: FakeTelegram
) -> None:
    async with running_bot(app, telegram, "webhook") as bot:
        amina = telegram.person(1012)
        assert bot.channel is not None
        await bot.channel.connected.wait()
        # As JSON escapes it ("\\ud83d"): half of an emoji, valid JSON, no valid text.
        body = json.dumps({"update_id": 78, "message": {**GOOD_MESSAGE, "text": "hi \ud83d"}})
        async with httpx.AsyncClient() as client:
            answer = await client.post(bot.webhook_url, content=body.encode(), headers={
                "X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"})
        assert answer.status_code == 200
        assert await count(app, InboundMessage) == 1
        await telegram.wait_until(lambda: amina.messages, what="an answer")


async def test_a_failure_in_our_telegram_code_is_logged_and_the_person_told(
    telegram: FakeTelegram, bot: RunningBot, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(message: object, now: object) -> None:
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(updates, "from_message", broken)
    sam = telegram.person(1013, "Sam", language_code="pl")
    await sam.says("hello")
    await sam.sees(t("pl", "Sorry, something went wrong on our side. What you told us before "
                           "is safe. Please try again in a moment, or send {menu}.",
                     menu="MENU"))
    assert "RuntimeError: a bug of ours" in caplog.text
    assert "Traceback" not in sam.transcript()


@pytest.mark.parametrize(("code", "language"), [("en", "English"), ("ar", "العربية")])
async def test_a_champion_logs_an_activity_and_raises_a_concern_with_buttons(
    app: App, telegram: FakeTelegram, bot: RunningBot, code: str, language: str
) -> None:
    amina = telegram.person(1101, "Amina", language_code=code)
    await joins(amina, code, language)
    await logs_an_activity(amina, code)
    await raises_a_concern(amina, code)
    async with app.database.transaction() as session:
        activity = await session.scalar(select(Activity))
        concern = await session.scalar(select(Concern))
        attachment = await session.scalar(select(Attachment))
    assert activity is not None and concern is not None and attachment is not None
    assert (activity.kind, activity.topic, activity.people_reached, activity.minutes_given) == (
        "group", "diabetes", 25, 90)
    assert (concern.category, concern.affects, concern.urgency, concern.contact_ok) == (
        "housing", "many", "soon", True)
    assert concern.description == "Black mould in three flats on Elm Street"
    assert (attachment.channel, attachment.kind) == ("telegram", "photo")
    assert attachment.ref.startswith("photo-1101-")
