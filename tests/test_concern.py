"""Sharing a community concern, and the emergency signposting that comes before anything."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.models import Attachment, Concern, ConcernStatus, ConcernUpdate
from flows import safety
from flows.conversation import Emergency
from flows.i18n import language
from flows.types import Media
from tests.support.chat import Chat, joined, make_coordinator, n, t

pytestmark = pytest.mark.usefixtures("programme")

URDU_DANGER = "میری پڑوسن کہتی ہے کہ وہ خودکشی کرنا چاہتی ہے"  # "my neighbour says she wants
# to kill herself"


async def concerns(app: App) -> list[Concern]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(Concern).order_by(Concern.id)))


async def raise_concern(chat: Chat, words: str, *, urgency: str = "2", contact: str = "1",
                        media: tuple[Media, ...] = ()) -> None:
    await chat.says("/concern")
    await chat.says("4")  # housing and damp
    await chat.says(words, media=media)
    await chat.says("3")  # many people
    await chat.says("1")  # my area
    await chat.says(urgency)
    await chat.says(contact)


@pytest.mark.parametrize("code", ["en", "ur", "pl"])
async def test_a_concern_is_saved_with_a_reference_and_coordinators_hear_of_it(
    app: App, code: str
) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina", code)
    await raise_concern(amina, "Three families on Elm Street have black mould and the landlord "
                               "does not answer.")
    amina.sees(t(code, "Please check your concern:"), "Elm Street")
    await amina.says("1")
    amina.sees("C-1001", t(code, "What would you like to do?"))

    (concern,) = await concerns(app)
    assert (concern.category, concern.affects, concern.urgency, concern.contact_ok,
            concern.status, concern.confirmed) == (
        "housing", "many", "soon", True, ConcernStatus.RECEIVED, True)
    assert concern.description is not None and concern.description.startswith("Three families")

    await carol.reads()
    carol.sees("New concern C-1001", "Housing and damp", "Northfield", "Amina", "Elm Street")


async def test_a_photo_or_voice_note_is_kept_with_the_concern(app: App) -> None:
    amina = await joined(app, "amina")
    photo = Media("photo", "AgACAgQAAxkBAAIB", "image/jpeg")
    await raise_concern(amina, "", media=(photo,))
    await amina.says("Save")
    async with app.database.transaction() as session:
        (attachment,) = list(await session.scalars(select(Attachment)))
    assert (attachment.kind, attachment.ref, attachment.channel) == (
        "photo", "AgACAgQAAxkBAAIB", "console")


async def test_a_red_flag_in_urdu_gets_the_emergency_numbers_first_and_alerts_coordinators(
    app: App,
) -> None:
    carol = await make_coordinator(app)
    other = await make_coordinator(app, "dev")
    amina = await joined(app, "amina", "ur")
    await amina.says("/concern")
    await amina.says("3")  # mental health
    await amina.says(URDU_DANGER)
    first = amina.replies[0]
    assert "999" in first and "116 123" in first and "85258" in first
    with language("ur"):
        expected = safety.emergency_message(Emergency(), joined=True, told=True,
                                            category="suicide")
    assert first == expected
    amina.sees(t("ur", "How many people does it affect?"))

    for coordinator in (carol, other):
        await coordinator.reads()
        # Whose words they are, without claiming Amina is the one in danger.
        coordinator.sees("URGENT, possible danger (thoughts of suicide). Amina reported:",
                         URDU_DANGER)
        coordinator.does_not_see("Amina may be in danger")

    (kept,) = await concerns(app)
    assert (kept.urgency, kept.red_flag, kept.description, kept.confirmed) == (
        "at_risk", "suicide", URDU_DANGER, False)

    await amina.says("1")  # one person
    await amina.says("1")  # my area
    amina.does_not_see(t("ur", "How urgent is it?"))  # already known to be urgent
    await amina.says("2")  # don't pass on my details
    await amina.says("1")  # save
    (saved,) = await concerns(app)  # the same record, now confirmed, not a second one
    assert (saved.id, saved.confirmed, saved.urgency, saved.contact_ok) == (
        kept.id, True, "at_risk", False)


async def test_a_red_flag_anywhere_is_signposted_even_outside_a_concern(app: App) -> None:
    amina = await joined(app, "amina")
    for answer in ["/log", "1", "1", "today", "1", "1", "3", "skip"]:
        await amina.says(answer)
    await amina.says("After the talk a man told me he can't breathe properly and has chest pain")
    # Signposted and kept, but not taken as the activity's note: the note is asked again.
    amina.sees("call 999 now", "Anything else to add?")
    amina.does_not_see("Please check your activity:")
    (kept,) = await concerns(app)
    assert kept.red_flag in ("breathing", "chest_pain") and kept.urgency == "at_risk"


async def test_someone_not_yet_joined_is_signposted_too(app: App) -> None:
    carol = await make_coordinator(app)
    stranger = Chat(app, "stranger")
    await stranger.says("please help my husband hits me")
    stranger.sees("call 999 now", "We have told a coordinator.", "invite code")
    await carol.reads()
    carol.sees("URGENT, possible danger (violence). Someone who has not joined yet reported:",
               "Contact: console stranger")
    assert await concerns(app) == []  # nothing kept about someone who has not consented


async def test_choosing_someone_at_risk_shows_the_emergency_numbers(app: App) -> None:
    amina = await joined(app, "amina")
    for answer in ["/concern", "4", "An older man on our street has no heating and looks ill",
                   "1", "1"]:
        await amina.says(answer)
    await amina.says("Someone may be at risk now")
    assert amina.replies[0].startswith("If someone is in danger or seriously ill right now")
    amina.sees("May the partner service contact you about this?")
    await amina.says("1")
    await amina.says("Save")
    (saved,) = await concerns(app)
    assert saved.urgency == "at_risk"


async def test_the_history_starts_with_received(app: App) -> None:
    amina = await joined(app, "amina")
    await raise_concern(amina, "No interpreters at the walk-in centre")
    await amina.says("Save")
    async with app.database.transaction() as session:
        (update,) = list(await session.scalars(select(ConcernUpdate)))
    assert (update.status, update.by_role) == (ConcernStatus.RECEIVED, "champion")


async def test_a_long_description_is_refused_and_the_category_is_kept(app: App) -> None:
    amina = await joined(app, "amina")
    await amina.says("/concern")
    await amina.says("4")
    await amina.says("x" * 5000)
    amina.sees("That is too long. Please keep it under 2000 characters.")
    await amina.says("Damp everywhere")
    await amina.says("1")
    await amina.says("1")
    await amina.says("3")
    await amina.says("1")
    amina.sees("• About: Housing and damp", "• In your words: Damp everywhere")


async def test_the_emergency_numbers_are_the_deployments_own(app: App) -> None:
    app.settings = app.settings.model_copy(update={
        "emergency_number": "112", "crisis_line_name": "Telefon Zaufania",
        "crisis_line_number": "116 123", "crisis_text_word": "POMOC",
        "crisis_text_number": "116 111"})
    amina = await joined(app, "amina")
    await amina.says("I think my friend is having a stroke")
    amina.sees("call 112 now", "Telefon Zaufania", "text POMOC to 116 111")
    amina.does_not_see("999")


@pytest.mark.parametrize("code", ["en", "ro"])
async def test_the_contact_question_says_truthfully_what_each_answer_means(
    app: App, code: str
) -> None:
    amina = await joined(app, "amina", code)
    for answer in ["/concern", "4", "Damp in every flat of the block", "3", "1", "2"]:
        await amina.says(answer)
    amina.sees(t(code, "Yes, they may contact me"), t(code, "No, don't pass on my details"),
               t(code, "May the partner service contact you about this?\n"
                       "Yes: we may give the service your name and how to reach you, so they can "
                       "ask you about it.\n"
                       "No: the service gets the concern without your name or contact details. "
                       "Your coordinator still sees that it came from you."))
    amina.does_not_see("anonymous", t(code, "No, keep me anonymous"))


async def attachments_of(app: App, concern: Concern) -> list[Attachment]:
    async with app.database.transaction() as session:
        return list(await session.scalars(
            select(Attachment).where(Attachment.concern_id == concern.id)
            .order_by(Attachment.id)))


@pytest.mark.parametrize("code", ["en", "ur"])
async def test_a_second_photo_sent_at_the_next_question_is_kept_with_the_concern(
    app: App, code: str
) -> None:
    amina = await joined(app, "amina", code)
    await amina.says("/concern")
    await amina.says("4")  # housing and damp
    # WhatsApp sends each photo of two on its own: the second comes after the question moved on.
    await amina.says("Black mould in the bedroom", media=(Media("photo", "mould-1"),))
    amina.sees(t(code, "How many people does it affect?"))
    await amina.says(media=(Media("photo", "mould-2"),))
    amina.sees(t(code, "Added to your concern. Photos and voice notes so far: {count}.",
                 count=n(code, 2)),
               t(code, "How many people does it affect?"))
    amina.does_not_see(t(code, "I didn't receive an answer."))
    for answer in ["3", "1", "2", "1"]:  # many people, my area, soon, may contact me
        await amina.says(answer)
    amina.sees(t(code, "Please check your concern:"),
               f"• {t(code, 'Photos and voice notes')}: {n(code, 2)}")
    await amina.says("1")  # save
    amina.sees("C-1001")

    (concern,) = await concerns(app)
    assert [a.ref for a in await attachments_of(app, concern)] == ["mould-1", "mould-2"]


async def test_a_photo_or_voice_note_at_a_choice_is_kept_and_words_with_it_still_answer(
    app: App,
) -> None:
    amina = await joined(app, "amina")
    for answer in ["/concern", "4", "The landlord ignores the damp"]:
        await amina.says(answer)
    # Sent after typing the description, with a caption that answers the question.
    await amina.says("3", media=(Media("photo", "damp-wall", "image/jpeg"),))
    amina.sees("Added to your concern. Photos and voice notes so far: 1.",
               "Where is this happening?")
    await amina.says("1")  # my area
    await amina.says(media=(Media("voice", "landlord-call", "audio/ogg"),))
    amina.sees("Added to your concern. Photos and voice notes so far: 2.", "How urgent is it?")
    amina.does_not_see("Sorry, that isn't one of the options.")
    # A caption that answers nothing: the photo is kept and the question asked again.
    await amina.says("the stairs too", media=(Media("photo", "stairs"),))
    amina.sees("Photos and voice notes so far: 3.", "How urgent is it?")
    amina.does_not_see("Sorry, that isn't one of the options.")
    await amina.says("2")  # soon
    await amina.says("1")  # may contact me
    amina.sees("• In your words: The landlord ignores the damp",
               "• Photos and voice notes: 3")
    await amina.says("Save")

    (concern,) = await concerns(app)
    assert concern.affects == "many"
    assert [(a.kind, a.ref, a.content_type) for a in await attachments_of(app, concern)] == [
        ("photo", "damp-wall", "image/jpeg"), ("voice", "landlord-call", "audio/ogg"),
        ("photo", "stairs", None)]


async def test_a_photo_only_concern_says_its_words_are_in_the_photos_and_changing_them_keeps_them(
    app: App,
) -> None:
    amina = await joined(app, "amina")
    await raise_concern(amina, "", media=(Media("photo", "leak"),))
    amina.sees("• In your words: (in the photos and voice notes)", "• Photos and voice notes: 1")
    amina.does_not_see("(none)")
    await amina.says(media=(Media("photo", "ceiling"),))  # at "Is this right?"
    amina.sees("Photos and voice notes so far: 2.", "• Photos and voice notes: 2")
    await amina.says("Change an answer")
    await amina.says("In your words")
    await amina.says("Water comes through the ceiling")
    amina.sees("• In your words: Water comes through the ceiling", "• Photos and voice notes: 2")
    await amina.says("Save")

    (concern,) = await concerns(app)
    assert [a.ref for a in await attachments_of(app, concern)] == ["leak", "ceiling"]


async def test_a_concern_keeps_at_most_ten_photos_and_says_so(app: App) -> None:
    amina = await joined(app, "amina")
    ten = tuple(Media("photo", f"p{i}") for i in range(10))
    for answer in ["/concern", "4"]:
        await amina.says(answer)
    await amina.says("Damp in every room", media=ten)
    await amina.says(media=(Media("photo", "p10"),))
    amina.sees("A concern can keep up to 10 photos and voice notes, so this one was not added.",
               "How many people does it affect?")
    amina.does_not_see("Added to your concern")
    for answer in ["3", "1", "2", "1"]:
        await amina.says(answer)
    amina.sees("• Photos and voice notes: 10")
    await amina.says("Save")
    (concern,) = await concerns(app)
    assert len(await attachments_of(app, concern)) == 10
