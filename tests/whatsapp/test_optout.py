"""STOP and its equivalents: one confirmation, then nothing unasked to that number until START.

A paused number is still heard: an emergency is answered, and anything else gets a
reminder of START at most once a day (outbox kind ``reply`` is only ever written in
answer to what the person has just sent).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import outbox
from bot.storage.models import Identity, OutboxMessage, OutboxStatus, Person, Status
from flows.types import Reply
from tests.support.chat import t
from tests.support.clock import FakeClock
from tests.support.twilio_server import FakeTwilio
from tests.support.whatsapp import SOMALI_NUMBER, UK_NUMBER, Phone, WhatsApp, joined

pytestmark = pytest.mark.usefixtures("programme")

# Every way something else in the system writes to a person unasked.
KINDS = ("broadcast", "alert", "reminder", "notice", "concern_update", "failure_report")


async def everything_to(app: App, number: str, *, with_person: bool = True) -> None:
    async with app.database.transaction() as session:
        person_id = await session.scalar(select(Person.id)) if with_person else None
        for kind in KINDS:
            outbox.enqueue(session, channel="whatsapp", address=number, kind=kind,
                           reply=Reply(f"a {kind}"), now=app.clock(), person_id=person_id)


async def identity(app: App, number: str) -> Identity | None:
    async with app.database.transaction() as session:
        return await session.scalar(select(Identity).where(Identity.address == number))


async def test_after_stop_nothing_reaches_a_champion_until_start(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, clock: FakeClock
) -> None:
    amina = await joined(whatsapp, UK_NUMBER, "en")
    await amina.says("STOP")
    assert amina.replies == [
        "Messages are paused: we won't send you anything until you send START. "
        "Your details are kept."]
    received = len(amina.received)

    clock.advance(minutes=5)
    await everything_to(app, UK_NUMBER)
    await everything_to(app, UK_NUMBER, with_person=False)
    assert await amina.says("hello") == (
        "Your messages are paused. Send START to switch them on again.")
    received += 1
    assert await amina.says("STOP") == ""  # one confirmation, and one reminder a day
    await whatsapp.deliver()
    assert len(amina.received) == received
    async with app.database.transaction() as session:
        refused = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.DEAD)))
        assert len(refused) == 2 * len(KINDS)
        assert {row.error for row in refused} == {"recipient has opted out"}
        assert await session.scalar(select(Person.status)) == Status.PAUSED

    await amina.says("START")
    amina.sees("Welcome back! Messages are switched on again.", "What would you like to do?")
    await everything_to(app, UK_NUMBER)
    await amina.reads()
    assert sorted(amina.replies) == sorted(f"a {kind}" for kind in KINDS)
    found = await identity(app, UK_NUMBER)
    assert found is not None and found.opted_out_at is None


@pytest.mark.parametrize("word", ["CANCEL", "end", "Quit", "UNSUBSCRIBE", "stop"])
async def test_a_number_that_never_joined_is_told_once_and_then_left_alone(
    app: App, whatsapp: WhatsApp, clock: FakeClock, word: str
) -> None:
    stranger = whatsapp.phone(UK_NUMBER)
    await stranger.says("hello")
    await stranger.says("JOIN DEMO2026")
    await stranger.says(word)  # CANCEL opts out on WhatsApp, even half-way through joining
    assert len(stranger.replies) == 1
    stranger.sees("OK, we won't message you again. We have kept nothing about you except a "
                  "note not to message you. Send START if you change your mind.")
    found = await identity(app, UK_NUMBER)
    assert found is not None and found.opted_out_at == clock() and found.person_id is None

    clock.advance(minutes=1)
    await everything_to(app, UK_NUMBER, with_person=False)
    assert await stranger.says("hello?") == (
        "Your messages are paused. Send START to switch them on again.")
    assert await stranger.says("1") == ""  # reminded at most once a day

    await stranger.says("JOIN DEMO2026")  # JOIN with their code resumes, and joining starts
    stranger.sees("Which language would you like to use?")


async def test_a_somali_champion_stops_in_somali(app: App, whatsapp: WhatsApp) -> None:
    hodan = await joined(whatsapp, SOMALI_NUMBER, "so", name="Hodan")
    await hodan.says("JOOJI")  # Somali for STOP, from the catalog
    assert hodan.replies == [t("so", "Messages are paused: we won't send you anything until "
                                     "you send {start}. Your details are kept.", start="BILOW")]
    await hodan.says("BILOW")
    hodan.sees(t("so", "Welcome back! Messages are switched on again."))


async def test_a_bare_join_resumes_a_paused_champion(app: App, whatsapp: WhatsApp) -> None:
    amina = await joined(whatsapp, UK_NUMBER, "en")
    await amina.says("stop")
    await amina.says("JOIN")
    amina.sees("Welcome back! Messages are switched on again.")


async def held_for(app: App, phone: Phone, whatsapp: WhatsApp) -> list[str]:
    """What ``phone`` just received comes back from WhatsApp as outside the 24 hours
    (63016), so it is held until they next write. Returns its texts."""
    assert phone.replies
    for message in phone.received[-len(phone.replies):]:
        assert (await whatsapp.status(message.sid, "undelivered", 63016)).status_code == 204
    async with app.database.transaction() as session:
        held = list(await session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.status == OutboxStatus.HELD)))
    assert len(held) == len(phone.replies)
    return list(phone.replies)


@pytest.mark.parametrize(("stop", "start"), [("STOP", "START"), ("JOOJI", "BILOW"),
                                             ("cancel", "START")])
async def test_stop_sends_its_confirmation_and_nothing_that_was_held(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, clock: FakeClock, stop: str, start: str
) -> None:
    amina = await joined(whatsapp, UK_NUMBER, "en")
    clock.advance(hours=3)
    async with app.database.transaction() as session:
        person_id = await session.scalar(select(Person.id))
        outbox.enqueue(session, channel="whatsapp", address=UK_NUMBER, kind="alert",
                       reply=Reply("A file sent with concern C-1001:"), now=app.clock(),
                       person_id=person_id)
    await amina.reads()
    await held_for(app, amina, whatsapp)
    await amina.says("hello")  # what waited goes, with the answer: both come back 63016
    held = await held_for(app, amina, whatsapp)
    assert held and "A file sent with concern C-1001:" in held

    await amina.says(stop)
    assert amina.replies == [
        "Messages are paused: we won't send you anything until you send START. "
        "Your details are kept."]
    assert await refused(app) == len(held)

    clock.advance(days=2)
    await amina.says(start)  # what was refused stays so: START does not bring it back
    amina.sees("Welcome back! Messages are switched on again.")
    amina.does_not_see("A file sent with concern C-1001:")
    assert await refused(app) == len(held)


async def refused(app: App) -> int:
    """How many messages were never sent because the number opted out (none still held)."""
    async with app.database.transaction() as session:
        assert await session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.status == OutboxStatus.HELD)) is None
        rows = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.DEAD)))
    assert {row.error for row in rows} <= {"recipient has opted out"}
    assert "A file sent with concern C-1001:" in [row.payload["text"] for row in rows]
    return len(rows)


async def test_a_paused_number_asking_for_help_is_answered_and_still_sent_nothing_unasked(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, clock: FakeClock
) -> None:
    amina = await joined(whatsapp, UK_NUMBER, "en")
    await amina.says("STOP")
    clock.advance(minutes=5)
    reminder = "Your messages are paused. Send START to switch them on again."
    assert await amina.says("hello") == reminder
    assert await amina.says("HELP") == reminder  # asked, so answered, again today
    assert await amina.says("menu") == reminder
    assert await amina.says("thanks") == ""  # anything else: once a day

    await everything_to(app, UK_NUMBER)
    received = len(amina.received)
    await whatsapp.deliver()
    assert len(amina.received) == received  # unasked messages still refused
    async with app.database.transaction() as session:
        assert await session.scalar(select(Person.status)) == Status.PAUSED
