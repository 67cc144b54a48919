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
from tests.support.chat import Chat, joined, make_coordinator, t

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
    amina.sees("call 999 now", "Please check your activity:")
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
