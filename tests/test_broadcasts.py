"""A coordinator sends one health message; every champion gets it in their own language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import broadcast_reports, broadcasts, permissions
from bot.services.permissions import Actor
from bot.storage.models import Identity, OutboxMessage, Role
from tests.support.broadcasts import FLU_TEXTS, coordinator, report, send, thanks
from tests.support.chat import Chat, Recorder, joined, make_coordinator, t
from tests.support.clock import FakeClock

pytestmark = pytest.mark.usefixtures("programme")

NOTE = "(There is no {language} translation of this message yet.)"
ASK = "Was this message useful? Answering is optional."


async def champions(app: App, recorder: Recorder) -> dict[str, Chat]:
    """Four champions in Northfield (English, Urdu, Bengali, Polish), one in Eastgate."""
    found = {code: await joined(app, f"champion-{code}", code, recorder=recorder)
             for code in ("en", "ur", "bn", "pl")}
    found["eastgate"] = await joined(app, "champion-eastgate", "en", area="Eastgate",
                                     recorder=recorder)
    return found


async def test_each_champion_in_the_area_gets_it_in_their_language(app: App) -> None:
    recorder = Recorder("console")
    people = await champions(app, recorder)
    await make_coordinator(app)
    carol = await coordinator(app)

    made = await send(app, carol, audience={"areas": ["Northfield"]})

    for code in ("en", "ur", "bn"):
        said = await people[code].reads()
        assert FLU_TEXTS[code] in said
        assert t(code, ASK) in said
        assert t(code, "Useful") in said and t(code, "Not clear") in said
    polish = await people["pl"].reads()
    assert FLU_TEXTS["en"] in polish
    assert t("pl", NOTE, language="Polski") in polish
    assert await people["eastgate"].reads() == ""  # another area

    counts = await report(app, carol, made)
    assert counts["recipients"] == 4
    assert counts["by_language"]["pl"]["sent"] == 1
    assert counts["by_channel"]["console"]["sent"] == 4


async def test_feedback_is_counted_per_language_and_never_blocks_the_menu(app: App) -> None:
    recorder = Recorder("console")
    people = await champions(app, recorder)
    await make_coordinator(app)
    carol = await coordinator(app)
    made = await send(app, carol, audience={"areas": ["Northfield"]})
    for chat in people.values():
        await chat.reads()

    await people["ur"].says("2")  # not clear
    people["ur"].sees(thanks("ur"))
    await people["bn"].says("1")  # useful
    await people["pl"].says("2")
    await people["en"].says("menu")  # no answer: the menu as always
    people["en"].sees(t("en", "What would you like to do?"))
    await people["en"].says("1")  # now "1" is the menu's first entry, not feedback
    people["en"].sees("What did you do?")

    counts = await report(app, carol, made)
    assert counts["feedback"] == {"bn": {"useful": 1, "unclear": 0},
                                  "pl": {"useful": 0, "unclear": 1},
                                  "ur": {"useful": 0, "unclear": 1}}
    # What `champbot broadcast report ID` prints, and `champbot messages feedback`.
    table = broadcast_reports.table(await broadcast_reports.report(
        app.database, carol, made, app.clock()))
    assert table[-4:] == ["feedback      useful not clear", "bn                 1         0",
                          "pl                 0         1", "ur                 0         1"]
    per_message = await broadcast_reports.feedback_by_message(app.database, carol, app.clock())
    assert [(f.message, f.language, f.useful, f.unclear) for f in per_message] == [
        (f"broadcast {made}", "bn", 1, 0), (f"broadcast {made}", "pl", 0, 1),
        (f"broadcast {made}", "ur", 0, 1)]


async def test_a_button_press_answers_even_after_other_messages(app: App) -> None:
    recorder = Recorder("console")
    people = await champions(app, recorder)
    await make_coordinator(app)
    carol = await coordinator(app)
    made = await send(app, carol, audience={"languages": ["bn"]})
    await people["bn"].reads()
    await people["bn"].says("menu")
    await people["bn"].says(choice="useful", question=f"broadcast.{made}")
    people["bn"].sees(thanks("bn"))
    assert (await report(app, carol, made))["feedback"] == {"bn": {"useful": 1, "unclear": 0}}


async def test_cancelling_stops_what_was_not_yet_sent(app: App) -> None:
    recorder = Recorder("console")
    people = await champions(app, recorder)
    await make_coordinator(app)
    carol = await coordinator(app)
    made = await send(app, carol, audience="all")
    await people["en"].reads()  # one went before the cancel

    assert await broadcasts.cancel(app.database, carol, made, app.clock()) == 4
    for code in ("ur", "bn", "pl", "eastgate"):
        assert await people[code].reads() == ""
    counts = await report(app, carol, made)
    assert counts["totals"]["sent"] == 1 and counts["totals"]["cancelled"] == 4


async def test_paused_and_opted_out_champions_are_not_in_the_audience(app: App) -> None:
    recorder = Recorder("console")
    people = await champions(app, recorder)
    await people["ur"].says("STOP")
    await make_coordinator(app)
    carol = await coordinator(app)
    made = await send(app, carol, audience={"areas": ["Northfield"]})
    assert await people["ur"].reads() == ""
    assert (await report(app, carol, made))["recipients"] == 3


async def test_a_champion_may_not_broadcast_and_the_refusal_is_audited(app: App) -> None:
    champion = Actor("person", role=Role.CHAMPION, person_id=1)
    with pytest.raises(permissions.Forbidden):
        await send(app, champion)


async def test_quiet_hours_hold_a_broadcast_until_morning_unless_urgent(
    app: App, clock: FakeClock
) -> None:
    recorder = Recorder("console")
    people = await champions(app, recorder)
    await make_coordinator(app)
    carol = await coordinator(app)
    clock.advance(hours=12)  # 22:00 in London
    held = await send(app, carol, audience={"languages": ["en"]})
    urgent = await send(app, carol, {"en": "Water supply problem: boil tap water."},
                        audience={"languages": ["en"]}, urgent=True)
    said = await people["en"].reads()
    assert "boil tap water" in said and FLU_TEXTS["en"] not in said

    clock.advance(hours=9, minutes=59)  # 07:59
    assert await broadcasts.tick(app.database, app.settings, clock()) == []
    clock.advance(minutes=1)  # 08:00
    (started,) = await broadcasts.tick(app.database, app.settings, clock())
    assert started.broadcast_id == held
    assert FLU_TEXTS["en"] in await people["en"].reads()
    assert (await report(app, carol, held))["late"] is False
    assert (await report(app, carol, urgent))["late"] is False


async def test_each_champion_gets_it_once_where_they_last_wrote_from_if_reachable(
        app: App) -> None:
    recorder = Recorder("console")
    for address in ("amina", "bilal"):
        await joined(app, address, recorder=recorder)
    later = app.clock() + timedelta(hours=1)
    async with app.database.transaction() as session:
        people = {address: person for address, person in await session.execute(
            select(Identity.address, Identity.person_id))}
        session.add(Identity(person_id=people["amina"], channel="console", address="amina-2",
                             created_at=later, last_inbound_at=later))
        session.add(Identity(person_id=people["bilal"], channel="console", address="bilal-2",
                             created_at=later, last_inbound_at=later, opted_out_at=later))
    await make_coordinator(app)
    carol = await coordinator(app)
    made = await send(app, carol, audience={"areas": ["Northfield"]})

    async with app.database.transaction() as session:
        sent_to = list(await session.scalars(
            select(OutboxMessage.address).where(OutboxMessage.broadcast_id == made)))
    assert sorted(sent_to) == ["amina-2", "bilal"]
    assert (await report(app, carol, made))["recipients"] == 2


async def test_one_typed_under_a_broadcast_mid_activity_is_feedback_and_the_question_returns(
    app: App,
) -> None:
    recorder = Recorder("console")
    people = await champions(app, recorder)
    await make_coordinator(app)
    carol = await coordinator(app)
    eve = people["pl"]
    await eve.says("/log")
    question = await eve.says("1")  # the activity's second question, in Polish
    made = await send(app, carol, audience={"languages": ["pl"]})
    assert t("pl", ASK) in await eve.reads()

    said = await eve.says("1")  # the answer under the broadcast: useful
    assert t("pl", "Thank you, that helps us improve our messages.") in said
    assert question.strip().splitlines()[0] in said  # and where she was, asked again
    assert (await report(app, carol, made))["feedback"] == {"pl": {"useful": 1, "unclear": 0}}

    said = await eve.says("1")  # now the broadcast is not the last thing she saw: her answer
    assert t("pl", "Thank you, that helps us improve our messages.") not in said
    assert (await report(app, carol, made))["feedback"] == {"pl": {"useful": 1, "unclear": 0}}


async def test_someone_forgotten_after_a_broadcast_is_told_apart_in_its_report(
    app: App,
) -> None:
    recorder = Recorder("console")
    people = await champions(app, recorder)
    await make_coordinator(app)
    carol = await coordinator(app)
    made = await send(app, carol, audience={"areas": ["Northfield"]})
    for chat in people.values():
        await chat.reads()  # all four delivered
    await people["ur"].says("FORGET")
    await people["ur"].says("1")

    counts = await report(app, carol, made)
    assert (counts["recipients"], counts["forgotten"], sum(counts["totals"].values())) == (
        4, 1, 3)  # the four add up: three counted, one forgotten
    head = broadcast_reports.table(await broadcast_reports.report(
        app.database, carol, made, app.clock()))[0]
    assert head.endswith("4 recipient(s); 1 of them asked to be forgotten since (their "
                         "messages are no longer counted)")
