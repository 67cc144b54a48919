"""Settings, help and the language switch, as champions use them later on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.models import Area, Person
from flows import commands
from flows.i18n import language
from flows.languages import get as language_named
from tests.support.chat import Chat, joined, t

pytestmark = pytest.mark.usefixtures("programme")


async def me(app: App) -> Person:
    async with app.database.transaction() as session:
        person = await session.scalar(select(Person))
    assert person is not None
    return person


@pytest.mark.parametrize("code", ["en", "ar", "ro"])
async def test_settings_change_name_area_and_topics(app: App, code: str) -> None:
    amina = await joined(app, "amina", code)
    await amina.says("/settings")
    amina.sees(t(code, "What would you like to change?"), t(code, "What we call you"),
               t(code, "My area"), t(code, "Topics I'm interested in"))
    await amina.says(t(code, "What we call you"))
    await amina.says("Amina B.")
    amina.sees(t(code, "Saved. Thank you!"), t(code, "What would you like to do?"))

    await amina.says("/settings")
    await amina.says(t(code, "My area"))
    await amina.says("Hillcrest")
    await amina.says("/settings")
    await amina.says(t(code, "Topics I'm interested in"))
    await amina.says("5, 11")  # ticks both
    await amina.says(t(code, "Done"))

    person = await me(app)
    async with app.database.transaction() as session:
        hillcrest = await session.scalar(select(Area).where(Area.name == "Hillcrest"))
    assert hillcrest is not None
    assert (person.display_name, person.area_id, person.topics) == (
        "Amina B.", hillcrest.id, ["mental_health", "smoking_alcohol"])


@pytest.mark.parametrize(("code", "to"), [("en", "pl"), ("gu", "en"), ("ur", "so")])
async def test_changing_language_mid_activity_keeps_the_answers(
    app: App, code: str, to: str
) -> None:
    amina = await joined(app, "amina", code)
    await amina.says("/log")
    await amina.says("2")
    await amina.says("language")
    amina.sees(t(code, "Which language would you like to use?"))
    await amina.says(language_named(to).native_name)
    amina.sees(t(to, "OK, I will use {language} from now on.",
                 language=language_named(to).native_name),
               t(to, "What was it about?"))  # the same question, now in the new language
    await amina.says("3")
    amina.sees(t(to, "When was it? Choose, or type a date like 21/11/2026."))
    assert (await me(app)).language == to


@pytest.mark.parametrize("code", ["en", "bn", "pt"])
async def test_help_explains_the_words_and_asks_again(app: App, code: str) -> None:
    amina = await joined(app, "amina", code)
    await amina.says("/log")
    await amina.says("help")
    with language(code):
        words = commands.summary()
    said = amina.last
    assert said.index(words) < said.index(t(code, "What did you do?"))  # then asked again
    assert said.rstrip().endswith(t(code, "Something else"))  # with its choices
    await amina.says(t(code, "Help"))  # from the menu, help about the programme
    amina.sees(words)


async def test_skip_at_what_we_call_you_keeps_the_name(app: App) -> None:
    sam = Chat(app, "sam")
    for answer in ["JOIN DEMO2026", "1", "1", "Sam", "St Mark", "done"]:
        await sam.says(answer)
    await sam.says("settings")
    asked = await sam.says("2")  # What we call you
    await sam.says("skip")
    assert (await me(app)).display_name == "Sam"
    sam.sees("OK, your name stays as it was.")
    sam.does_not_see("Saved. Thank you!")
    assert ("We call you Sam. What would you like us to call you instead? Send SKIP to "
            "keep Sam.") in asked
    assert "REMOVE MY NAME" in asked  # removing it is a choice of its own

    await sam.says("mydata")
    await sam.says("1")
    sam.sees("Name: Sam")


@pytest.mark.parametrize("code", ["en", "ur"])
async def test_a_name_is_removed_only_when_asked_to(app: App, code: str) -> None:
    amina = await joined(app, "amina", code)
    await amina.says("/settings")
    await amina.says(t(code, "What we call you"))
    await amina.says(t(code, "Remove my name"))
    amina.sees(t(code, "Saved. Thank you!"))
    assert (await me(app)).display_name is None

    await amina.says("/settings")
    await amina.says(t(code, "What we call you"))  # no name now: the question as when joining
    amina.sees(t(code, "What would you like us to call you? A first name or a nickname is "
                       "fine."))
    amina.does_not_see(t(code, "Remove my name"))
    await amina.says("Amina")
    assert (await me(app)).display_name == "Amina"
