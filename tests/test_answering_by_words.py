"""Answering by words as the README promises: any unambiguous part of a label, in the
person's language, case and accents ignored; a short question when a word fits several;
the range when a number is out of it; Done as Skip; topics changed by ticking."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.models import Activity, Area, Concern, Person
from tests.support.chat import Chat, joined, t

pytestmark = pytest.mark.usefixtures("programme")

SCOLDING = "Sorry, that isn't one of the options. Please send the number of your answer."


async def me(app: App) -> Person:
    async with app.database.transaction() as session:
        person = await session.scalar(select(Person))
    assert person is not None
    return person


@pytest.mark.parametrize(("code", "word"), [("en", "impact"), ("pl", "WYNIKI"),
                                            ("pt", "impacto"), ("ro", "rezultatele")])
async def test_part_of_a_menu_label_chooses_it(app: App, code: str, word: str) -> None:
    amina = await joined(app, "amina", code)
    await amina.says(word)
    amina.does_not_see(t(code, SCOLDING))
    amina.sees(t(code, "You haven't logged any activities yet. Choose \"Log an activity\" in "
                       "the menu after your next conversation, talk or stall."))


@pytest.mark.parametrize(("code", "words"), [("en", "community centre"),
                                             ("pt", "centro comunitario"),  # no accent typed
                                             ("ro", "CENTRU COMUNITAR")])
async def test_a_place_named_by_part_of_its_label(app: App, code: str, words: str) -> None:
    amina = await joined(app, "amina", code)
    for answer in ["/log", "1", "1", "1", "1", words, "12", "1", "skip", "1"]:
        await amina.says(answer)
    async with app.database.transaction() as session:
        (activity,) = list(await session.scalars(select(Activity)))
    assert activity.venue == "community_centre"


@pytest.mark.parametrize("code", ["en", "pt"])
async def test_a_word_that_fits_two_options_gets_a_short_question(app: App, code: str) -> None:
    amina = await joined(app, "amina", code)
    word = {"en": "concern", "pt": "preocupa"}[code]
    await amina.says(word)
    amina.sees(t(code, "Did you mean {choices}?", choices=t(code, "{some} or {last}",
                                                            some="2", last="4")))
    amina.does_not_see(t(code, SCOLDING))


@pytest.mark.parametrize("code", ["en", "bn"])
async def test_a_number_out_of_range_is_told_the_range(app: App, code: str) -> None:
    amina = await joined(app, "amina", code)
    await amina.says("9")
    amina.sees(t(code, "Please send a number from {low} to {high}.",
                 low=n_(code, 1), high=n_(code, 7)))
    for answer in ["/log", "1", "1", "1", "1", "1", "12"]:
        await amina.says(answer)
    for answer in ["30"]:  # time given: 4 choices and Skip
        await amina.says(answer)
    amina.sees(t(code, "Please send a number from {low} to {high}.",
                 low=n_(code, 1), high=n_(code, 5)))


def n_(code: str, value: int) -> str:
    from tests.support.chat import n

    return n(code, value)


@pytest.mark.parametrize("code", ["en", "so"])
async def test_done_with_nothing_ticked_skips_an_optional_question(
    app: App, code: str
) -> None:
    from flows.languages import get as language_named

    amina = Chat(app, "amina")
    for answer in ["JOIN DEMO2026", language_named(code).native_name, "1", "Amina",
                   "Northfield"]:
        await amina.says(answer)
    await amina.says(t(code, "Done"))
    amina.does_not_see(t(code, "Please choose at least one option."))
    amina.sees(t(code, "What would you like to do?"))
    assert (await me(app)).topics == []


@pytest.mark.parametrize("code", ["en", "ar"])
async def test_settings_shows_the_current_topics_ticked_and_toggles_them(
    app: App, code: str
) -> None:
    from flows.languages import get as language_named

    amina = Chat(app, "amina")
    for answer in ["JOIN DEMO2026", language_named(code).native_name, "1", "Amina",
                   "Northfield", "1, 3"]:
        await amina.says(answer)
    await amina.says("/settings")
    await amina.says(t(code, "Topics I'm interested in"))
    amina.sees(f"[x] {t(code, 'Vaccination')}", f"[ ] {t(code, 'Cancer screening')}",
               f"[x] {t(code, 'Diabetes')}")
    await amina.says("3")  # untick diabetes
    amina.sees(f"[ ] {t(code, 'Diabetes')}", f"[x] {t(code, 'Vaccination')}")
    await amina.says("5")  # tick mental health
    amina.sees(f"[x] {t(code, 'Mental health')}")
    await amina.says(t(code, "Done"))
    amina.sees(t(code, "Saved. Thank you!"))
    assert (await me(app)).topics == ["vaccination", "mental_health"]


@pytest.mark.parametrize(("code", "word", "contact_ok"), [
    ("en", "no", False), ("en", "No", False), ("en", "yes", True), ("pl", "nie", False),
    ("ar", "لا", False)])
async def test_a_yes_or_no_question_takes_yes_and_no_as_words(
    app: App, code: str, word: str, contact_ok: bool
) -> None:
    amina = await joined(app, "amina", code)
    for answer in ["/concern", "4", "Damp in every flat of the block", "3", "1", "2"]:
        await amina.says(answer)
    amina.sees(t(code, "May the partner service contact you about this?\n"
                       "Yes: we may give the service your name and how to reach you, so they "
                       "can ask you about it.\n"
                       "No: the service gets the concern without your name or contact "
                       "details. Your coordinator still sees that it came from you."))
    await amina.says(word)
    amina.does_not_see(t(code, SCOLDING))
    amina.sees(t(code, "Please check your concern:"))
    await amina.says("1")  # save
    async with app.database.transaction() as session:
        (concern,) = list(await session.scalars(select(Concern)))
    assert concern.contact_ok is contact_ok


@pytest.mark.parametrize(("typed", "code"), [
    ("arabic", "ar"), ("Polish", "pl"), ("ur", "ur"),
    # The everyday names people write: Arabic's own word, Bangla, Punjabi without its script.
    ("عربي", "ar"), ("Bangla", "bn"), ("punjabi", "pa"), ("Af Soomaali", "so")])
async def test_a_language_named_in_english_or_by_its_code_is_chosen(
    app: App, typed: str, code: str
) -> None:
    amina = await joined(app, "amina", "en")
    await amina.says("/language")
    await amina.says(typed)
    amina.does_not_see(SCOLDING)
    async with app.database.transaction() as session:
        person = await session.scalar(select(Person))
    assert person is not None and person.language == code


@pytest.mark.parametrize("typed", ["st marks", "St Mark’s", "ST MARK'S"])
async def test_an_apostrophe_typed_or_not_names_the_same_place(app: App, typed: str) -> None:
    amina = await joined(app, "amina", "en")
    for answer in ["/concern", "4", "Damp in every flat of the block", "3"]:
        await amina.says(answer)
    amina.sees("Where is this happening?", "St Mark's")
    await amina.says(typed)
    amina.does_not_see(SCOLDING)
    for answer in ["2", "1", "1"]:  # soon; they may contact me; save
        await amina.says(answer)
    async with app.database.transaction() as session:
        (concern,) = list(await session.scalars(select(Concern)))
        area = await session.get(Area, concern.area_id)
    assert area is not None and area.name == "St Mark's"


async def test_joining_an_arabic_speaker_may_write_arabic_as_they_usually_do(app: App) -> None:
    from tests.support.chat import Chat

    huda = Chat(app, "huda")
    await huda.says("JOIN DEMO2026")
    await huda.says("عربي")
    huda.does_not_see(SCOLDING)
    # The joining goes on in Arabic.
    assert huda.replies and not huda.replies[-1].isascii()
    assert t("ar", SCOLDING) not in huda.replies[-1]


@pytest.mark.parametrize("code", ["en", "bn"])
async def test_numbers_out_of_range_in_a_list_of_topics_are_told_the_range(
    app: App, code: str
) -> None:
    from flows.languages import get as language_named

    amina = Chat(app, "amina")
    for answer in ["JOIN DEMO2026", language_named(code).native_name, "1", "Amina",
                   "Northfield"]:
        await amina.says(answer)
    await amina.says("1,2,30")
    amina.sees(t(code, "Please send numbers from {low} to {high}, separated by commas.",
                 low=n_(code, 1), high=n_(code, 11)),
               t(code, "Which health topics interest you? Send the numbers separated by "
                       "commas, for example 1, 3."))  # asked again
    await amina.says("/settings")
    await amina.says(t(code, "Topics I'm interested in"))
    await amina.says("3, 30")  # ticking and unticking: the same
    amina.sees(t(code, "Please send numbers from {low} to {high}, separated by commas.",
                 low=n_(code, 1), high=n_(code, 11)))


async def test_a_list_of_one_asks_for_that_one_number(app: App) -> None:
    amina = await joined(app, "amina")
    for answer in ["/concern", "4", "Damp in every flat of the block", "3", "1", "2", "1", "1"]:
        await amina.says(answer)
    await amina.says("/concerns")
    amina.sees("1. C-1001")
    await amina.says("5")
    amina.sees("Please send 1.")
    amina.does_not_see("from 1 to 1")
