"""A photo, voice note or place sent where no question asks for one is never thrown away
with "I didn't receive an answer": at the menu a photo starts a concern with it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.models import Attachment, Concern
from flows.commands import first_word
from flows.i18n import language
from flows.types import Location, Media
from tests.support.chat import joined, make_coordinator, n, t
from tests.support.clock import FakeClock

pytestmark = pytest.mark.usefixtures("programme")

MOULD = "Black mould in the bathroom at 12 Mill Road"
STARTED = ("Photos and voice notes go with a community concern, so I have started one with "
           "yours. Please answer a few questions about it. If you did not mean to share a "
           "concern, send {cancel}.")
NOT_TAKEN = ("This question needs an answer: a photo, voice note or file can't answer it. "
             "Photos and voice notes can go with a concern: choose “{concern}” from the menu.")
WHAT_IS_HAPPENING = ("What is happening? Please tell us in your own words. You can also send a "
                     "photo or a voice note. Please don't write people's names.")
NO_PLACE = ("Sorry, we can't use a shared location. Please write the place in words instead, "
            "such as the street or a landmark.")


async def concern_and_files(app: App) -> tuple[Concern, list[tuple[str, str]]]:
    async with app.database.transaction() as session:
        (concern,) = list(await session.scalars(select(Concern)))
        files = [(a.kind, a.ref) for a in await session.scalars(
            select(Attachment).order_by(Attachment.id))]
    return concern, files


async def attachments(app: App) -> int:
    async with app.database.transaction() as session:
        return len(list(await session.scalars(select(Attachment))))


@pytest.mark.parametrize("code", ["en", "so"])
async def test_a_photo_alone_at_the_menu_starts_a_concern_that_keeps_it(
    app: App, code: str
) -> None:
    amina = await joined(app, "amina", code)
    await amina.says(media=(Media("photo", "mould-photo", "image/jpeg"),))
    with language(code):
        cancel = first_word("cancel")
    amina.sees(t(code, STARTED, cancel=cancel), t(code, "What is the concern about?"))
    amina.does_not_see(t(code, "I didn't receive an answer."))
    await amina.says("4")  # housing and damp
    # The photo is the concern's description: the next question is the one after it.
    amina.sees(t(code, "How many people does it affect?"))
    amina.does_not_see(t(code, "What is happening?"))
    for answer in ["3", "1", "2", "1"]:  # many people, my area, soon, may contact me
        await amina.says(answer)
    amina.sees(f"• {t(code, 'In your words')}: {t(code, '(in the photos and voice notes)')}",
               f"• {t(code, 'Photos and voice notes')}: {n(code, 1)}")
    await amina.says("1")  # save
    amina.sees("C-1001")

    concern, files = await concern_and_files(app)
    assert (concern.category, concern.description) == ("housing", "")
    assert files == [("photo", "mould-photo")]


async def test_a_photo_with_words_at_the_menu_is_a_concern_in_those_words(app: App) -> None:
    amina = await joined(app, "amina")
    await amina.says(MOULD, media=(Media("photo", "bathroom", "image/jpeg"),))
    amina.sees("I have started one with yours", "What is the concern about?")
    amina.does_not_see("Sorry, that isn't one of the options.")
    for answer in ["4", "3", "1", "2", "1"]:
        await amina.says(answer)
    amina.sees(f"• In your words: {MOULD}", "• Photos and voice notes: 1")
    await amina.says("Save")

    concern, files = await concern_and_files(app)
    assert concern.description == MOULD
    assert files == [("photo", "bathroom")]


async def test_each_photo_sent_on_its_own_at_the_menu_goes_with_the_same_concern(
    app: App,
) -> None:
    # WhatsApp sends each of two photos on its own: the second comes at the first question.
    amina = await joined(app, "amina")
    await amina.says(media=(Media("photo", "wall"),))
    await amina.says(media=(Media("voice", "landlord", "audio/ogg"),))
    amina.sees("Added to your concern. Photos and voice notes so far: 2.",
               "What is the concern about?")
    for answer in ["4", "3", "1", "2", "1"]:
        await amina.says(answer)
    amina.sees("• Photos and voice notes: 2")
    await amina.says("Save")

    _, files = await concern_and_files(app)
    assert files == [("photo", "wall"), ("voice", "landlord")]


async def test_a_photo_sent_at_the_menu_can_be_dropped_with_the_concern(app: App) -> None:
    amina = await joined(app, "amina")
    await amina.says(media=(Media("photo", "by-mistake"),))
    await amina.says("exit")
    amina.sees("Nothing from that was saved.", "What would you like to do?")
    assert await attachments(app) == 0


async def test_a_photo_at_carry_on_or_start_again_goes_with_that_concern(app: App) -> None:
    amina = await joined(app, "amina")
    for answer in ["/concern", "4", "menu", "2"]:  # set aside at "What is happening?"
        await amina.says(answer)
    amina.sees("Would you like to carry on where you left off, or start again?")
    await amina.says(MOULD, media=(Media("photo", "bathroom"),))
    amina.sees("Kept: it will go with your concern, whether you carry on or start again.",
               "Would you like to carry on where you left off, or start again?")
    amina.does_not_see("Sorry, that isn't one of the options.")
    await amina.says("Carry on")
    amina.sees("How many people does it affect?")
    for answer in ["3", "1", "2", "1"]:
        await amina.says(answer)
    amina.sees(f"• In your words: {MOULD}", "• Photos and voice notes: 1")
    await amina.says("Save")

    concern, files = await concern_and_files(app)
    assert (concern.category, concern.description) == ("housing", MOULD)
    assert files == [("photo", "bathroom")]


async def test_a_photo_at_the_menu_with_a_concern_set_aside_later_in_it_is_added_to_it(
    app: App,
) -> None:
    amina = await joined(app, "amina")
    for answer in ["/concern", "4", "The landlord ignores the damp", "3", "menu"]:
        await amina.says(answer)
    await amina.says("Upstairs too", media=(Media("photo", "upstairs"),))
    amina.sees("I have started one with yours", "carry on where you left off")
    await amina.says("1")  # carry on
    amina.sees("Added to your concern. Photos and voice notes so far: 1.",
               "Where is this happening?")
    for answer in ["1", "2", "1"]:
        await amina.says(answer)
    amina.sees("• In your words: The landlord ignores the damp\n\nUpstairs too")
    await amina.says("Save")

    concern, files = await concern_and_files(app)
    assert concern.description == "The landlord ignores the damp\n\nUpstairs too"
    assert files == [("photo", "upstairs")]


async def test_a_photo_at_a_question_that_takes_none_says_what_the_question_needs(
    app: App,
) -> None:
    amina = await joined(app, "amina")
    for answer in ["/log", "1", "menu", "1"]:  # an activity set aside
        await amina.says(answer)
    await amina.says(media=(Media("photo", "leaflet"),))
    amina.sees(t("en", NOT_TAKEN, concern="Share a community concern"),
               "Would you like to carry on where you left off, or start again?")
    amina.does_not_see("Sorry, that isn't one of the options.", "I didn't receive an answer.")
    await amina.says("1")  # carry on
    amina.sees("What was it about?")
    await amina.says("1", media=(Media("photo", "group"),))  # words with it still answer
    amina.sees(t("en", NOT_TAKEN, concern="Share a community concern"), "When was it?")
    await amina.says(media=(Media("photo", "hall"),))
    amina.sees(t("en", NOT_TAKEN, concern="Share a community concern"), "When was it?")
    amina.does_not_see("I didn't receive an answer.", "Sorry, I couldn't read that date.")


async def test_a_coordinators_photo_at_the_menu_is_explained_not_made_a_concern(
    app: App,
) -> None:
    carol = await make_coordinator(app)
    await carol.says(media=(Media("photo", "chart"),))
    carol.sees("This question needs an answer: a photo, voice note or file can't answer it.",
               "What would you like to do?")
    carol.does_not_see("I didn't receive an answer.", "Share a community concern",
                       "What is the concern about?")


@pytest.mark.parametrize("code", ["en", "so"])
async def test_a_location_is_asked_for_in_words(app: App, code: str) -> None:
    amina = await joined(app, "amina", code)
    await amina.says(location=Location(51.5072, -0.1276, "Northfield Library"))
    amina.sees(t(code, NO_PLACE), t(code, "What would you like to do?"))
    amina.does_not_see(t(code, "I didn't receive an answer."))
    for answer in ["2", "4"]:  # share a concern about housing
        await amina.says(answer)
    await amina.says(location=Location(51.5072, -0.1276))
    amina.sees(t(code, NO_PLACE), t(code, WHAT_IS_HAPPENING))
    amina.does_not_see(t(code, "Please type your answer."))


async def test_a_photo_with_words_of_danger_at_the_menu_goes_with_the_concern_made_of_them(
    app: App,
) -> None:
    amina = await joined(app, "amina")
    await amina.says("My neighbour says she wants to kill herself",
                     media=(Media("photo", "note"),))
    amina.sees("Add details as a concern")
    await amina.says("1")  # add details as a concern
    await amina.says("3")  # mental health
    amina.sees("Added to your concern. Photos and voice notes so far: 1.")
    for answer in ["1", "1", "1", "1"]:
        await amina.says(answer)
        if "Please check your concern" in amina.last:
            break
    amina.sees("• Photos and voice notes: 1")
    await amina.says("Save")

    async with app.database.transaction() as session:
        refs = [a.ref for a in await session.scalars(select(Attachment))]
    assert refs == ["note"]


async def test_a_photo_after_a_long_pause_starts_a_concern_with_it(
    app: App, clock: FakeClock
) -> None:
    amina = await joined(app, "amina")
    await amina.says("/log")  # left half-way
    clock.advance(days=2)
    await amina.says(MOULD, media=(Media("photo", "bathroom"),))
    amina.sees("Welcome back! It has been a while", "I have started one with yours",
               "What is the concern about?")
    for answer in ["4", "3", "1", "2", "1", "Save"]:
        await amina.says(answer)
    concern, files = await concern_and_files(app)
    assert concern.description == MOULD
    assert files == [("photo", "bathroom")]


async def test_a_photo_sent_with_words_of_danger_stays_with_the_urgent_record_kept_of_them(
    app: App,
) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await amina.says("My neighbour collapsed in the stairwell",
                     media=(Media("photo", "stairwell", "image/jpeg"),))
    amina.sees("999", "Add details as a concern")
    await amina.says("2")  # go back: no more details
    concern, files = await concern_and_files(app)
    assert (concern.red_flag, concern.urgency) == ("emergency", "at_risk")
    assert files == [("photo", "stairwell")]  # kept with the words, not dropped
    await carol.reads()
    carol.sees("URGENT")


async def test_the_coordinators_alert_for_a_photo_only_concern_says_so_not_empty_quotes(
    app: App,
) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await amina.says(media=(Media("photo", "mould-photo", "image/jpeg"),))
    for answer in ["4", "3", "1", "2", "1", "1"]:  # housing; many; my area; soon; contact; save
        await amina.says(answer)
    await carol.reads()
    carol.sees("New concern C-1001", "(in the photos and voice notes)")
    carol.does_not_see("“”")
