"""Danger words sent while a champion writes a concern: kept whole as their own urgent
concern, whatever comes before them, and the concern being written keeps the urgency the
champion gives it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import alerts
from bot.storage.models import Concern
from flows import safety
from tests.support.chat import Chat, joined, make_coordinator, t

pytestmark = pytest.mark.usefixtures("programme")

DANGER = "My neighbour has chest pain right now."
# 2,423 characters: over the 2,000 a description may be, the danger words at the very end.
LONG = "The damp in the flats on Mill Road is getting worse. " * 45 + DANGER
MOULD = "Mould on the walls of flat 3"
TOO_LONG = "That is too long. Please keep it under {limit} characters."
WHAT = ("What is happening? Please tell us in your own words. You can also send a photo or a "
        "voice note. Please don't write people's names.")
KEPT = "We have kept what you wrote as an urgent concern and told your coordinator."
ROUTINE = ("Thank you. Your concern is saved as {reference}. A coordinator will look at it "
           "within {days} working days, and you will hear here what happens. You can see it at "
           "any time under \"My concerns\".")
URGENT = ("Thank you. Your concern is saved as {reference}, marked urgent, and your "
          "coordinator has been told now.")
ARABIC_GP = "لا أستطيع الحصول على موعد مع طبيبي العام منذ ثلاثة أسابيع"  # no GP appointment
ARABIC_DANGER = "جاري يعاني من ألم في الصدر"  # my neighbour has chest pain


async def concerns(app: App) -> list[Concern]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(Concern).order_by(Concern.id)))


async def start_a_housing_concern(chat: Chat) -> None:
    await chat.says("/concern")
    await chat.says("4")  # housing and damp


# -- Bug 1: a long message with danger words at the end ---------------------------------


@pytest.mark.parametrize("code", ["en", "ar"])
async def test_a_long_answer_ending_in_danger_is_kept_whole_and_the_person_told_it_was_too_long(
    app: App, code: str,
) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina", code)
    await start_a_housing_concern(amina)

    await amina.says(LONG)
    assert len(LONG) == 2423
    amina.sees("999", t(code, KEPT))
    # Asked again, and told why: it was over the limit.
    amina.sees(t(code, TOO_LONG, limit=2000), t(code, WHAT))
    assert amina.last.index(t(code, TOO_LONG, limit=2000)) < amina.last.index(t(code, WHAT))

    (kept,) = await concerns(app)
    assert (kept.description, kept.red_flag, kept.urgency, kept.confirmed) == (
        LONG, "chest_pain", "at_risk", False)

    await carol.reads()
    carol.sees("URGENT, possible danger (chest pain). Amina reported:", "Mill Road", DANGER,
               "Concern C-1001")


async def test_a_long_message_at_the_menu_then_added_to_as_a_concern_keeps_every_word(
    app: App,
) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await amina.says(LONG)  # at the menu
    amina.sees("999", KEPT, "Add details as a concern")
    await amina.says("1")  # add details: the words already given are the description
    for answer in ["4", "3", "1", "1"]:  # housing, many people, my area, may contact me
        await amina.says(answer)
    amina.sees("Please check your concern:", DANGER)
    await amina.says("1")  # save
    amina.sees(URGENT.format(reference="C-1001"))

    (concern,) = await concerns(app)  # the record kept for safety, now with its details
    assert (concern.description, concern.confirmed, concern.urgency) == (LONG, True, "at_risk")
    await carol.reads()
    carol.sees("URGENT, possible danger (chest pain)", "URGENT concern C-1001")
    for alert in carol.replies:
        assert DANGER in alert, alert  # both alerts show the danger words


def test_an_alert_quotes_the_danger_words_even_far_into_a_long_message() -> None:
    shown = alerts.excerpt(LONG)
    assert DANGER in shown
    assert shown.startswith("The damp in the flats on Mill Road")
    assert len(shown) <= alerts.EXCERPT
    short = "No interpreters at the walk-in centre. " * 10
    assert alerts.excerpt(short) == short.strip()[: alerts.EXCERPT - 1] + "…"


def test_what_is_kept_of_a_message_always_holds_its_danger_words() -> None:
    assert safety.kept_words(f"  {LONG}\n") == LONG  # whole, as the channels pass it on
    huge = "The damp is getting worse. " * 400 + DANGER + " It started an hour ago." * 20
    kept = safety.kept_words(huge, limit=1000)
    assert DANGER in kept and len(kept) <= 1000
    start, end = safety.where(huge) or (0, 0)
    assert huge[start:end].lower() == "chest pain"


# -- Bug 2: the concern being written keeps its own urgency -------------------------------


async def test_after_danger_words_are_kept_a_routine_concern_is_asked_how_urgent_it_is(
    app: App,
) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await start_a_housing_concern(amina)
    await amina.says(LONG)  # kept as its own urgent concern (too long to be this one's words)
    await amina.says(MOULD)
    await amina.says("1")  # one person
    await amina.says("1")  # my area
    amina.sees("How urgent is it?")
    await amina.says("3")  # general feedback
    await amina.says("1")  # may contact me
    amina.sees("Please check your concern:", MOULD, "Urgency: General feedback")
    amina.does_not_see("Someone may be at risk now")
    await amina.says("1")  # save
    amina.sees(ROUTINE.format(reference="C-1002", days=5))
    amina.does_not_see("marked urgent")

    kept, mould = await concerns(app)
    assert (kept.description, kept.urgency, kept.red_flag) == (LONG, "at_risk", "chest_pain")
    assert (mould.description, mould.urgency, mould.red_flag, mould.confirmed) == (
        MOULD, "feedback", None, True)
    await carol.reads()
    carol.sees("New concern C-1002", MOULD)
    carol.does_not_see("URGENT concern C-1002")


async def test_danger_words_at_another_question_do_not_make_the_concern_urgent(
    app: App,
) -> None:
    await make_coordinator(app)
    amina = await joined(app, "amina")
    await start_a_housing_concern(amina)
    await amina.says(MOULD)
    await amina.says("my neighbour has chest pain")  # at "How many people does it affect?"
    amina.sees("999", KEPT, "How many people does it affect?")
    await amina.says("1")  # one person
    await amina.says("1")  # my area
    amina.sees("How urgent is it?")
    await amina.says("2")  # needs action soon
    await amina.says("1")
    await amina.says("1")  # save
    amina.sees(ROUTINE.format(reference="C-1002", days=5))

    kept, mould = await concerns(app)
    assert (kept.description, kept.urgency, kept.red_flag) == (
        "my neighbour has chest pain", "at_risk", "chest_pain")
    assert (mould.description, mould.urgency, mould.red_flag) == (MOULD, "soon", None)


async def test_in_arabic_danger_at_the_urgency_question_leaves_the_choice_to_the_champion(
    app: App,
) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina", "ar")
    await amina.says("/concern")
    await amina.says("1")  # getting a GP appointment
    await amina.says(ARABIC_GP)
    await amina.says("2")  # a few people
    await amina.says("1")  # my area
    amina.sees(t("ar", "How urgent is it?"))
    await amina.says(ARABIC_DANGER)
    amina.sees("999", t("ar", KEPT), t("ar", "How urgent is it?"))
    await amina.says("2")  # it needs action soon
    await amina.says("1")  # may contact me
    amina.sees(t("ar", "It needs action soon"))
    await amina.says("1")  # save
    amina.sees(t("ar", ROUTINE, reference="C-1002", days=5))
    amina.does_not_see(t("ar", URGENT, reference="C-1002"))

    kept, gp = await concerns(app)
    assert (kept.description, kept.urgency, kept.red_flag) == (
        ARABIC_DANGER, "at_risk", "chest_pain")
    assert (gp.description, gp.urgency, gp.red_flag, gp.category) == (
        ARABIC_GP, "soon", None, "gp_access")
    await carol.reads()
    carol.sees("URGENT, possible danger (chest pain)", "New concern C-1002",
               "Urgency: It needs action soon.")
    carol.does_not_see("URGENT concern C-1002")


async def test_the_champion_may_still_say_the_routine_concern_is_urgent(app: App) -> None:
    await make_coordinator(app)
    amina = await joined(app, "amina")
    await start_a_housing_concern(amina)
    await amina.says(LONG)
    await amina.says(MOULD)
    for answer in ["1", "1"]:
        await amina.says(answer)
    await amina.says("1")  # someone may be at risk now
    await amina.says("1")
    await amina.says("1")  # save
    amina.sees(URGENT.format(reference="C-1002"))
    *_, mould = await concerns(app)
    assert (mould.description, mould.urgency, mould.red_flag) == (MOULD, "at_risk", None)


async def test_danger_words_that_are_the_description_keep_the_concern_urgent(
    app: App,
) -> None:
    await make_coordinator(app)
    amina = await joined(app, "amina")
    await start_a_housing_concern(amina)
    await amina.says(DANGER)  # these words are the concern
    amina.sees("999", KEPT)
    await amina.says("1")  # one person
    await amina.says("1")  # my area
    amina.does_not_see("How urgent is it?")  # the words themselves say it
    await amina.says("my neighbour has chest pain")  # more danger words, at the contact question
    await amina.says("1")  # may contact me
    amina.sees("Please check your concern:", "Urgency: Someone may be at risk now")
    await amina.says("1")  # save
    amina.sees(URGENT.format(reference="C-1001"))
    first, second = await concerns(app)
    assert (first.description, first.urgency, first.red_flag, first.confirmed) == (
        DANGER, "at_risk", "chest_pain", True)  # the kept record, now with its details
    assert (second.description, second.confirmed) == ("my neighbour has chest pain", False)


async def test_the_service_a_long_danger_concern_is_routed_to_reads_the_danger_words(
    app: App,
) -> None:
    from tests.support.partners import add_partner, partner_contact

    mind = await add_partner(app, "Northfield Mind", categories=["other"], areas=["all"])
    hana = await partner_contact(app, "hana", mind)
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await start_a_housing_concern(amina)
    await amina.says(LONG)  # kept as an urgent concern, which waits for routing
    await carol.says("menu")
    await carol.says("1")  # concerns needing routing
    await carol.says("1")
    await carol.says("1")  # route it
    await carol.says("Northfield Mind")
    carol.sees("is now with Northfield Mind")
    await hana.reads()
    hana.sees("Mill Road", "chest pain right now")  # the start, and the danger from the end
