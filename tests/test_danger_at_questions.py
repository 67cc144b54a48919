"""Words that may mean someone is in danger, typed where the bot asked a question, and from
people who are not community reporters: the emergency numbers always, but the words are
not taken as the answer, and staff open no urgent concern."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import broadcasts
from bot.storage.models import Concern, Escalation, EscalationStatus
from flows import safety
from flows.conversation import Emergency
from flows.i18n import language
from tests.support.chat import Chat, joined, make_coordinator, t
from tests.support.clock import FakeClock
from tests.support.partners import add_partner, partner_contact

pytestmark = pytest.mark.usefixtures("programme")

ELM = "Three families on Elm Street have black mould and the landlord does not answer."
SOMALI_CHEST_PAIN = "Aabahay wuxuu qabaa laab xanuun hadda"  # my father has chest pain now
HEART_ATTACK = "Heart attack signs: chest pain that spreads to the arm. Call 999 at once."
HEART_ATTACK_AR = "علامات النوبة القلبية: ألم في الصدر ينتشر إلى الذراع. اتصل بـ 999 فورًا."
NOT_TAKEN = ("That was not taken as your answer, because it may mean someone is in danger. "
             "If it was your answer, choose “{use}”. Otherwise, please answer again.")
KEPT = ("We have kept what you wrote as an urgent concern and told your coordinator.",
        "We have kept what you wrote as an urgent concern. There is no coordinator yet: the "
        "first one to join will see it straight away.")
RESOLVED = "{reference} is now: {status}. The champion has been told."
NOTE_ASKED = "{reference}: please write a short note for the champion: what was done?"


def not_taken(code: str) -> str:
    return t(code, NOT_TAKEN, use=t(code, "Use what I wrote"))


def only_the_numbers(code: str, category: str) -> str:
    """The emergency numbers and nothing about keeping or telling anyone."""
    with language(code):
        return safety.emergency_numbers(Emergency(), category)


def never_told_anything_was_kept(chat: Chat, code: str) -> None:
    chat.does_not_see(*(t(code, kept) for kept in KEPT))


async def concerns(app: App) -> list[Concern]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(Concern).order_by(Concern.id)))


async def escalations(app: App) -> list[Escalation]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(Escalation).order_by(Escalation.id)))


async def raise_concern(chat: Chat) -> None:
    for answer in ["/concern", "4", ELM, "3", "1", "2", "1", "1"]:  # housing; not urgent
        await chat.says(answer)


# -- A: danger typed as the answer is not the answer ------------------------------------


async def test_a_partners_emergency_typed_as_the_note_is_signposted_and_the_case_stays_open(
    app: App,
) -> None:
    partner = await add_partner(app)
    hana = await partner_contact(app, "hana", partner, code="so")
    amina = await joined(app, "amina")
    await raise_concern(amina)
    await amina.reads()

    await hana.says("DONE C-1001")
    hana.sees(t("so", NOTE_ASKED, reference="C-1001"))
    await hana.says(SOMALI_CHEST_PAIN)
    assert hana.replies[0] == only_the_numbers("so", "chest_pain")
    hana.sees(not_taken("so"), t("so", NOTE_ASKED, reference="C-1001"),
              t("so", "Use what I wrote").upper())
    hana.does_not_see(t("so", RESOLVED, reference="C-1001", status=t("so", "Resolved")))
    never_told_anything_was_kept(hana, "so")

    await amina.reads()
    amina.does_not_see(SOMALI_CHEST_PAIN, "has dealt with it")
    (escalation,) = await escalations(app)
    assert escalation.status is not EscalationStatus.RESOLVED
    assert [c.description for c in await concerns(app)] == [ELM]  # nothing "from" Hana

    await hana.says("Waxaan u dirnay milkiilaha ogeysiis.")  # the note, as asked again
    hana.sees(t("so", RESOLVED, reference="C-1001", status=t("so", "Resolved")))
    await amina.reads()
    amina.sees("has dealt with it.", "Waxaan u dirnay milkiilaha ogeysiis.")


async def test_danger_sent_with_done_is_not_the_note_unless_the_partner_says_so(
    app: App,
) -> None:
    partner = await add_partner(app)
    hana = await partner_contact(app, "hana", partner)
    amina = await joined(app, "amina")
    await raise_concern(amina)
    await amina.reads()

    await hana.says("DONE C-1001 The tenant had chest pain from the damp, her GP saw her.")
    hana.sees("call 999 now", not_taken("en"), t("en", NOTE_ASKED, reference="C-1001"),
              "USE WHAT I WROTE")
    hana.does_not_see("C-1001 is now: Resolved.")
    await amina.reads()
    amina.does_not_see("has dealt with it")

    await hana.says("Use what I wrote")  # it was the note after all
    hana.sees("C-1001 is now: Resolved.")
    hana.does_not_see("call 999 now")  # signposted once
    await amina.reads()
    amina.sees("has dealt with it.", "her GP saw her")


async def test_a_coordinators_note_to_a_champion_is_not_sent_when_it_reads_as_danger(
    app: App,
) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await raise_concern(amina)
    await amina.reads()
    await carol.reads()

    await carol.says("NOTE C-1001")
    carol.sees("C-1001: write your note to the champion.")
    await carol.says("Someone in the flat above collapsed and is unconscious")
    assert carol.replies[0] == only_the_numbers("en", "emergency")
    carol.sees(not_taken("en"), "C-1001: write your note to the champion.")
    never_told_anything_was_kept(carol, "en")
    await amina.reads()
    assert amina.replies == []

    await carol.says("The housing officer will visit on Monday.")
    await amina.reads()
    amina.sees("The housing officer will visit on Monday.")
    assert [c.description for c in await concerns(app)] == [ELM]


async def test_a_champions_danger_at_a_typed_question_is_kept_and_the_question_asked_again(
    app: App,
) -> None:
    ola = await joined(app, "ola", "pl", name="Ola")
    for answer in ["/log", "1", "1", "today", "1", "1", "3", "skip"]:
        await ola.says(answer)
    ola.sees(t("pl", "Anything else to add? Please don't write anyone's name or their "
                     "health details."))
    await ola.says("Sąsiad zasłabł, wezwijcie karetkę")
    ola.sees("999", t("pl", KEPT[1]), not_taken("pl"),
             t("pl", "Anything else to add? Please don't write anyone's name or their "
                     "health details."))
    ola.does_not_see(t("pl", "Please check your activity:"))
    (kept,) = await concerns(app)  # kept for safety all the same
    assert (kept.red_flag, kept.urgency, kept.description) == (
        "emergency", "at_risk", "Sąsiad zasłabł, wezwijcie karetkę")

    await ola.says(t("pl", "Use what I wrote"))  # typed, as on WhatsApp
    ola.sees(t("pl", "Please check your activity:"), "Sąsiad zasłabł, wezwijcie karetkę")


async def test_999_as_a_count_is_signposted_and_can_still_be_the_answer(app: App) -> None:
    amina = await joined(app, "amina")
    for answer in ["/log", "1", "1", "today", "1", "1"]:
        await amina.says(answer)
    amina.sees("About how many people did you reach?")
    await amina.says("999")
    amina.sees("call 999 now", not_taken("en"), "About how many people did you reach?")
    await amina.says("use what I wrote")
    amina.sees("How much of your time did it take?")
    await amina.says("3")
    await amina.says("skip")
    amina.sees("Please check your activity:", "999")


# -- B: coordinators and partners are told where to get help, and nothing more -------------


async def test_a_coordinators_emergency_is_signposted_without_a_concern_from_them(
    app: App,
) -> None:
    carol = await make_coordinator(app)
    dave = await make_coordinator(app, "dave")
    await carol.says("someone here is not breathing")
    assert carol.replies[0] == only_the_numbers("en", "breathing")
    never_told_anything_was_kept(carol, "en")
    carol.does_not_see("Add details as a concern")
    carol.sees("Concerns needing routing")  # back at her menu
    assert await concerns(app) == []
    await dave.reads()
    assert dave.replies == []


@pytest.mark.parametrize("code", ["ur", "so"])
async def test_staff_are_signposted_in_their_own_language(app: App, code: str) -> None:
    danger = {"ur": "میرے پڑوسی کے سینے میں درد ہے", "so": SOMALI_CHEST_PAIN}[code]
    carol = await make_coordinator(app, code=code)
    hana = await partner_contact(app, "hana", await add_partner(app), code=code)
    for staff in (carol, hana):
        await staff.says(danger)
        assert staff.replies[0] == only_the_numbers(code, "chest_pain")
        never_told_anything_was_kept(staff, code)
        staff.does_not_see(t(code, "Add details as a concern"))
    assert await concerns(app) == []


async def test_a_broadcast_about_heart_attacks_is_signposted_once_then_sent_if_meant(
    app: App, clock: FakeClock
) -> None:
    amina = await joined(app, "amina")
    carol = await make_coordinator(app)
    dave = await make_coordinator(app, "dave")
    await carol.says("/broadcast")
    await carol.says("2")  # a new message
    await carol.says(HEART_ATTACK)
    assert carol.replies[0] == only_the_numbers("en", "chest_pain")
    carol.sees(not_taken("en"), "Write the message in English.", "USE WHAT I WROTE")
    carol.does_not_see("Who should receive it?")
    never_told_anything_was_kept(carol, "en")

    await carol.says("Use what I wrote")  # it is the broadcast
    carol.sees("Who should receive it?")
    carol.does_not_see("call 999 now")
    for answer in ["All champions", "continue", "1", "yes"]:
        await carol.says(answer)
    carol.sees("Your broadcast is queued.")
    assert await concerns(app) == []  # no urgent concern "from" Carol...
    await dave.reads()
    dave.does_not_see("URGENT", "Carol reported")  # ...nor an alert to other coordinators

    clock.advance(seconds=30)
    await broadcasts.tick(app.database, app.settings, clock())
    await amina.reads()
    amina.sees(HEART_ATTACK)


async def test_a_broadcasts_translation_about_heart_attacks_is_not_signposted_again(
    app: App, clock: FakeClock
) -> None:
    await joined(app, "amina")
    huda = await joined(app, "huda", "ar", name="Huda")
    carol = await make_coordinator(app)
    for answer in ["/broadcast", "2", HEART_ATTACK, "Use what I wrote", "All champions"]:
        await carol.says(answer)
    carol.sees("No translation yet for: العربية")
    await carol.says("1")  # Arabic
    await carol.says(HEART_ATTACK_AR)  # the same words, translated: her work, seen once
    carol.does_not_see("999", not_taken("en"))
    carol.sees("People it will go to: 2")
    for answer in ["continue", "1", "yes"]:
        await carol.says(answer)
    carol.sees("Your broadcast is queued.")
    assert await concerns(app) == []
    clock.advance(seconds=30)
    await broadcasts.tick(app.database, app.settings, clock())
    await huda.reads()
    huda.sees(HEART_ATTACK_AR)


async def test_a_broadcast_rewritten_after_the_emergency_message_goes_out_as_rewritten(
    app: App, clock: FakeClock
) -> None:
    amina = await joined(app, "amina")
    carol = await make_coordinator(app)
    for answer in ["/broadcast", "2", HEART_ATTACK,
                   "Know the signs of a heart attack: see the NHS page on heart health.",
                   "All champions", "continue", "1", "yes"]:
        await carol.says(answer)
    carol.sees("Your broadcast is queued.")
    clock.advance(seconds=30)
    await broadcasts.tick(app.database, app.settings, clock())
    await amina.reads()
    amina.sees("Know the signs of a heart attack")
    amina.does_not_see(HEART_ATTACK)


# -- C: plain emergency words are signposted ----------------------------------------------


@pytest.mark.parametrize("words", ["999", "emergency", "EMERGENCY", "call an ambulance",
                                   "he collapsed and is unconscious", "overdose"])
async def test_plain_emergency_words_get_the_emergency_numbers(app: App, words: str) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await amina.says(words)
    amina.sees("call 999 now", "Add details as a concern")
    await carol.reads()
    carol.sees("URGENT, possible danger (an emergency). Amina reported:", words)


@pytest.mark.parametrize(("code", "words"), [("pl", "wezwijcie karetkę"),
                                             ("ar", "اطلبوا الإسعاف"),
                                             ("bn", "৯৯৯")])
async def test_plain_emergency_words_in_other_languages(app: App, code: str,
                                                        words: str) -> None:
    amina = await joined(app, "amina", code)
    await amina.says(words)
    with language(code):
        amina.sees(safety.emergency_numbers(Emergency(), "emergency"))


@pytest.mark.parametrize("words", ["In 1999 we moved to Northfield", "My number is 07700 999123",
                                   "emergency contraception"])
async def test_everyday_numbers_and_words_are_not_an_emergency(app: App, words: str) -> None:
    amina = await joined(app, "amina")
    await amina.says(words)
    amina.does_not_see("call 999 now")


async def test_the_choice_typed_once_the_words_are_dropped_is_never_the_note(app: App) -> None:
    partner = await add_partner(app)
    hana = await partner_contact(app, "hana", partner)
    amina = await joined(app, "amina")
    await raise_concern(amina)
    await amina.reads()

    await hana.says("DONE C-1001 he took an overdose last night")
    await hana.says("x")  # too short: what was held is dropped with this message
    await hana.says("use what I wrote")
    hana.sees("What you wrote before is no longer kept. Please write your answer again.")
    hana.does_not_see("C-1001 is now: Resolved.")
    await amina.reads()
    amina.does_not_see("use what I wrote", "has dealt with it")
