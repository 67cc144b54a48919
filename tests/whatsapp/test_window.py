"""WhatsApp's 24 hours: free-form inside them; outside, an approved template or nothing yet."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import failures, outbox
from bot.storage.models import OutboxMessage, OutboxStatus, Person
from flows.types import Reply
from tests.support.clock import FakeClock
from tests.support.twilio_server import FakeTwilio
from tests.support.whatsapp import (
    BROADCAST_EN,
    BROADCAST_SO,
    CONCERN_UPDATE_EN,
    SOMALI_NUMBER,
    UK_NUMBER,
    WhatsApp,
    joined,
)

pytestmark = pytest.mark.usefixtures("programme")

HEALTH_MESSAGE = "Flu jabs are free this week at Northfield Library, 10am to 4pm."


async def write(app: App, number: str, text: str, *, kind: str, language: str = "en",
                values: dict[str, str] | None = None) -> None:
    """A message from elsewhere in the system (a broadcast, an update) to a WhatsApp number."""
    async with app.database.transaction() as session:
        person_id = await session.scalar(select(Person.id).order_by(Person.id.desc()))
        outbox.enqueue(session, channel="whatsapp", address=number,
                       reply=Reply(text, language=language), now=app.clock(), kind=kind,
                       person_id=person_id, values=values)


async def rows(app: App, kind: str) -> list[OutboxMessage]:
    async with app.database.transaction() as session:
        return list(await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


async def test_inside_the_24_hours_a_broadcast_goes_as_it_is(
    app: App, whatsapp: WhatsApp, clock: FakeClock
) -> None:
    amina = await joined(whatsapp, UK_NUMBER, "en")
    clock.advance(hours=23)
    await write(app, UK_NUMBER, HEALTH_MESSAGE, kind="broadcast")
    assert await amina.reads() == HEALTH_MESSAGE


async def test_after_25_hours_the_template_goes_and_the_message_when_they_reply(
    app: App, whatsapp: WhatsApp, clock: FakeClock
) -> None:
    amina = await joined(whatsapp, UK_NUMBER, "en")
    clock.advance(hours=25)
    await write(app, UK_NUMBER, HEALTH_MESSAGE, kind="broadcast")

    await amina.reads()
    (template,) = amina.received[-1:]
    assert template.content_sid == BROADCAST_EN and template.body is None
    assert template.content_variables == {"1": "Riverside Health Champions"}
    amina.does_not_see(HEALTH_MESSAGE)  # never free-form outside the 24 hours
    (held,) = await rows(app, "broadcast")
    assert held.status == OutboxStatus.HELD and held.provider_message_id == template.sid

    await amina.says("1")  # "reply 1 to read"
    assert amina.replies[-1] == HEALTH_MESSAGE  # what waited, after the answer to "1"
    (sent,) = await rows(app, "broadcast")
    assert sent.status == OutboxStatus.SENT


async def test_a_person_is_told_once_however_many_messages_wait(
    app: App, whatsapp: WhatsApp, clock: FakeClock
) -> None:
    amina = await joined(whatsapp, UK_NUMBER, "en")
    clock.advance(hours=30)
    for n in range(3):
        await write(app, UK_NUMBER, f"Health message {n}", kind="broadcast")
    await amina.reads()
    assert [m.content_sid for m in amina.received[-1:]] == [BROADCAST_EN]
    assert len(amina.replies) == 1

    await amina.says("hello")
    assert amina.replies[-3:] == ["Health message 0", "Health message 1", "Health message 2"]
    assert "What would you like to do?" in amina.replies[0]  # the answer to "hello" first


async def test_the_template_is_in_the_persons_language(
    app: App, whatsapp: WhatsApp, clock: FakeClock
) -> None:
    hodan = await joined(whatsapp, SOMALI_NUMBER, "so", name="Hodan")
    clock.advance(hours=25)
    await write(app, SOMALI_NUMBER, "Tallaalka hargabka waa bilaash.", kind="broadcast",
                language="so")
    await hodan.reads()
    assert hodan.received[-1].content_sid == BROADCAST_SO


async def test_a_template_is_filled_with_the_values_the_message_carries(
    app: App, whatsapp: WhatsApp, clock: FakeClock
) -> None:
    amina = await joined(whatsapp, UK_NUMBER, "en")
    clock.advance(hours=25)
    await write(app, UK_NUMBER, "Your concern C-1042 has been passed to the council.",
                kind="concern_update", values={"reference": "C-1042"})
    await amina.reads()
    assert amina.received[-1].content_sid == CONCERN_UPDATE_EN
    assert amina.received[-1].content_variables == {"1": "C-1042"}


async def test_without_a_template_the_message_waits_and_coordinators_see_why(
    app: App, whatsapp: WhatsApp, clock: FakeClock
) -> None:
    amina = await joined(whatsapp, UK_NUMBER, "en")
    clock.advance(hours=25)
    await write(app, UK_NUMBER, "A coordinator approved your place.", kind="notice")
    await write(app, UK_NUMBER, "Your concern was updated.", kind="concern_update")  # no value
    assert await amina.reads() == ""

    summary = await failures.summary(app.database, app.settings)
    assert ("whatsapp", "held", "outside the 24-hour window; no template for notice in en",
            1) in summary.by_state
    assert ("whatsapp", "held", "the template for concern_update in en needs 'reference'",
            1) in summary.by_state

    await amina.says("menu")
    assert "What would you like to do?" in amina.replies[0]  # the menu asked for, first
    assert amina.replies[-2:] == ["A coordinator approved your place.",
                                  "Your concern was updated."]
    assert (await failures.summary(app.database, app.settings)).by_state == []


async def test_when_twilio_says_the_window_closed_the_template_goes_instead(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, clock: FakeClock
) -> None:
    amina = await joined(whatsapp, UK_NUMBER, "en")
    clock.advance(hours=23, minutes=59)  # our clock says inside; WhatsApp's disagrees
    twilio.fail_next(UK_NUMBER, 63016)
    await write(app, UK_NUMBER, HEALTH_MESSAGE, kind="broadcast")
    await amina.reads()
    assert [m.content_sid for m in amina.received[-1:]] == [BROADCAST_EN]
    (held,) = await rows(app, "broadcast")
    assert held.status == OutboxStatus.HELD


async def test_a_63016_reported_later_holds_the_message_until_they_write(
    app: App, whatsapp: WhatsApp, clock: FakeClock
) -> None:
    amina = await joined(whatsapp, UK_NUMBER, "en")
    clock.advance(hours=23)
    await write(app, UK_NUMBER, HEALTH_MESSAGE, kind="broadcast")
    await amina.reads()
    first = amina.received[-1]
    response = await whatsapp.status(first.sid, "failed", 63016)
    assert response.status_code == 204
    (held,) = await rows(app, "broadcast")
    assert held.status == OutboxStatus.HELD and "63016" in (held.error or "")

    await amina.says("hi")
    assert amina.replies[-1] == HEALTH_MESSAGE


@pytest.mark.parametrize(("reached", "failure", "code"), [
    ("read", "undelivered", 63016), ("read", "failed", 63016),
    ("delivered", "undelivered", 63016), ("delivered", "undelivered", 30001),
    ("read", "failed", 63003)])
async def test_a_failure_reported_after_the_message_reached_them_changes_nothing(
    app: App, whatsapp: WhatsApp, clock: FakeClock, reached: str, failure: str, code: int
) -> None:
    amina = await joined(whatsapp, UK_NUMBER, "en")
    clock.advance(hours=23)
    await write(app, UK_NUMBER, HEALTH_MESSAGE, kind="broadcast")
    assert await amina.reads() == HEALTH_MESSAGE
    sid = amina.received[-1].sid
    for status in ("sent", "delivered", "read") if reached == "read" else ("sent", "delivered"):
        assert (await whatsapp.status(sid, status)).status_code == 204

    clock.advance(minutes=5)
    assert (await whatsapp.status(sid, failure, code)).status_code == 204  # late, out of order
    (row,) = await rows(app, "broadcast")
    assert row.status.value == reached and row.provider_message_id == sid
    assert (await failures.summary(app.database, app.settings)).by_state == []

    await amina.says("hi")
    amina.does_not_see(HEALTH_MESSAGE)  # never sent a second time
    assert [m.body for m in amina.received].count(HEALTH_MESSAGE) == 1
    assert await amina.says("menu")  # and she can still be reached
