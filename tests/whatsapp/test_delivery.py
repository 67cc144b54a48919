"""Sending through Twilio: statuses recorded, retries by the dispatcher, failures as counts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.whatsapp import client as twilio_client
from bot.channels.whatsapp.outgoing import LIMIT, split
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.templates import Templates
from bot.claims import Lane
from bot.dispatch import Dispatcher, to_outgoing
from bot.services import failures, outbox
from bot.settings import load_settings
from bot.storage.models import Identity, OutboxMessage, OutboxStatus
from flows.types import Reply
from tests.support.clock import FakeClock
from tests.support.people import add_person
from tests.support.twilio_server import FakeTwilio
from tests.support.whatsapp import UK_NUMBER, WhatsApp

pytestmark = pytest.mark.usefixtures("programme")

OTHER = "+447700900456"


async def write(app: App, number: str, *texts: str, kind: str = "reply") -> None:
    """Messages to someone who wrote to us a moment ago (inside the 24 hours)."""
    async with app.database.transaction() as session:
        session.add(Identity(channel="whatsapp", address=number, created_at=app.clock(),
                             last_inbound_at=app.clock()))
        for text in texts:
            outbox.enqueue(session, channel="whatsapp", address=number, reply=Reply(text),
                           now=app.clock(), kind=kind)


async def rows(app: App) -> list[OutboxMessage]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_status_callbacks_move_a_message_forward_and_never_back(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio
) -> None:
    await write(app, UK_NUMBER, "hello")
    await whatsapp.deliver()
    (sent,) = twilio.accepted
    (row,) = await rows(app)
    assert (row.status, row.provider_message_id) == (OutboxStatus.SENT, sent.sid)
    assert sent.status_callback == "https://champbot.example.org/twilio/status"

    for status, expected in [("queued", "sent"), ("sent", "sent"), ("delivered", "delivered"),
                             ("read", "read"), ("delivered", "read"), ("sent", "read")]:
        response = await whatsapp.status(sent.sid, status)
        assert response.status_code == 204
        (row,) = await rows(app)
        assert row.status.value == expected, status


async def test_status_callbacks_must_be_signed_and_complete(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio
) -> None:
    await write(app, UK_NUMBER, "hello")
    await whatsapp.deliver()
    sid = twilio.accepted[0].sid
    forged = await whatsapp.hooks.post("/twilio/status", {"MessageSid": sid,
                                                         "MessageStatus": "failed"},
                                       token="not-our-token")
    assert forged.status_code == 403
    incomplete = await whatsapp.hooks.post("/twilio/status", {"MessageSid": sid})
    assert incomplete.status_code == 400
    unknown = await whatsapp.status("SM" + "9" * 32, "delivered")
    assert unknown.status_code == 204
    (row,) = await rows(app)
    assert row.status == OutboxStatus.SENT


async def test_failures_are_recorded_with_their_code_and_reach_coordinators_as_one_count(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, clock: FakeClock
) -> None:
    await add_person(app)
    numbers = [f"+4477009001{n:02d}" for n in range(5)]
    for number in numbers:
        await write(app, number, "Flu jabs this week")
    await whatsapp.deliver()
    for message in twilio.accepted:
        await whatsapp.status(message.sid, "undelivered", 30003)

    assert {(r.status, r.error) for r in await rows(app)} == {
        (OutboxStatus.FAILED, "undelivered: twilio 30003")}
    assert await failures.report(app.database, clock()) == 5
    reports = [r for r in await rows(app) if r.kind == "failure_report"]
    assert len(reports) == 1
    assert "5 messages could not be delivered" in reports[0].payload["text"]


async def test_a_429_delays_a_message_but_loses_nothing(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, clock: FakeClock
) -> None:
    twilio.fail_next(UK_NUMBER, 429, 429)
    await write(app, UK_NUMBER, "first", "second")
    await write(app, OTHER, "someone else")
    await whatsapp.deliver()
    assert [m.body for m in twilio.accepted] == ["someone else"]  # others are not held up
    first, _second, _other = await rows(app)
    assert first.status == OutboxStatus.PENDING and "429" in (first.error or "")

    for _ in range(3):
        clock.advance(minutes=1)
        await whatsapp.deliver()
    assert [m.body for m in twilio.to(UK_NUMBER)] == ["first", "second"]
    assert twilio.refused == [(UK_NUMBER, 429), (UK_NUMBER, 429)]
    assert all(r.status == OutboxStatus.SENT for r in await rows(app))


async def test_server_errors_are_retried_and_permanent_refusals_are_not(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, clock: FakeClock
) -> None:
    twilio.fail_next(UK_NUMBER, 503)
    twilio.fail_next(OTHER, 21211)  # not a valid phone number
    await write(app, UK_NUMBER, "retried")
    await write(app, OTHER, "refused", "never tried")
    await whatsapp.deliver()
    clock.advance(minutes=1)
    await whatsapp.deliver()

    assert [m.body for m in twilio.accepted] == ["retried"]
    assert twilio.refused == [(UK_NUMBER, 503), (OTHER, 400)]
    _retried, refused, never = await rows(app)
    assert (refused.status, refused.error) == (OutboxStatus.DEAD,
                                               "twilio 21211: not a valid phone number")
    assert (never.status, never.error) == (OutboxStatus.DEAD, "recipient is unreachable")
    async with app.database.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.address == OTHER))
        assert identity is not None and identity.unreachable_at is not None


async def test_a_transient_failure_reported_later_is_sent_again(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, clock: FakeClock
) -> None:
    await write(app, UK_NUMBER, "hello")
    await whatsapp.deliver()
    await whatsapp.status(twilio.accepted[0].sid, "failed", 30001)  # Twilio's queue overflowed
    (row,) = await rows(app)
    assert row.status == OutboxStatus.PENDING
    clock.advance(minutes=1)
    await whatsapp.deliver()
    assert [m.body for m in twilio.accepted] == ["hello", "hello"]


async def test_a_long_message_goes_in_parts_and_a_retry_sends_only_the_rest(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, clock: FakeClock
) -> None:
    text = "\n\n".join(f"Paragraph {n}: " + "Flu jabs are free this week. " * 30
                        for n in range(6))
    parts = split(text)
    assert len(parts) >= 3 and all(len(part) <= LIMIT for part in parts)
    twilio.fail_next(UK_NUMBER, 429, after=1)  # the second part is refused once
    await write(app, UK_NUMBER, text)
    await whatsapp.deliver()
    assert [m.body for m in twilio.accepted] == parts[:1]

    clock.advance(minutes=1)
    await whatsapp.deliver()
    assert [m.body for m in twilio.accepted] == parts  # no part twice, none lost, in order
    assert " ".join(parts).split() == text.split()  # every word, cut only between them
    (row,) = await rows(app)
    assert row.status == OutboxStatus.SENT and row.provider_message_id == twilio.accepted[-1].sid


def test_the_rate_limit_per_sender_is_a_setting(app: App, environ: dict[str, str]) -> None:
    assert WhatsAppSender(app.settings, Templates(), app.clock,
                          app.database).limits.per_second == 80
    slower = load_settings({**environ, "WHATSAPP_MESSAGES_PER_SECOND": "5"}, env_file=None)
    assert WhatsAppSender(slower, Templates(), app.clock, app.database).limits.per_second == 5


async def test_the_client_makes_no_retries_of_its_own(app: App) -> None:
    client = twilio_client.make(app.settings)
    try:
        assert type(client.http_client.session).__name__ == "ClientSession"  # not RetryClient
        assert client.api.base_url == app.settings.twilio_api_base_url
    finally:
        await client.http_client.close()


@pytest.mark.parametrize("reached_twilio", [True, False], ids=["sent", "not sent"])
async def test_a_broadcast_of_unknown_outcome_is_checked_against_twilios_record(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, clock: FakeClock, reached_twilio: bool
) -> None:
    twilio.clock = clock
    await write(app, UK_NUMBER, "Flu jabs this Saturday", kind="broadcast")
    await write(app, OTHER, "Flu jabs this Saturday", kind="broadcast")
    sender = whatsapp.dispatcher.senders["whatsapp"]
    # A dispatcher claims both rows, then its process dies: during the call to Twilio
    # for the first (which Twilio may or may not have taken), before the second.
    dead = Dispatcher(app.database, [sender], clock, owner="dead-host:1:x")
    claimed, _ = await dead.claimer.claim(["whatsapp"], Lane.BULK, clock())
    assert len(claimed) == 2
    if reached_twilio:
        await sender.send(to_outgoing(claimed[0]))
    clock.advance(seconds=15)  # the lease has run out
    await whatsapp.deliver()

    assert [m.body for m in twilio.to(UK_NUMBER)] == ["Flu jabs this Saturday"]
    assert [m.body for m in twilio.to(OTHER)] == ["Flu jabs this Saturday"]
    assert twilio.listed == 2
    first, second = await rows(app)
    assert first.status == second.status == OutboxStatus.SENT
    assert first.provider_message_id == twilio.to(UK_NUMBER)[0].sid


async def test_a_template_of_unknown_outcome_found_in_twilios_record_still_waits_for_them(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, clock: FakeClock
) -> None:
    twilio.clock = clock
    await write(app, UK_NUMBER, "Flu jabs this Saturday", kind="broadcast")
    async with app.database.transaction() as session:  # imported: they never wrote to us
        identity = await session.scalar(select(Identity).where(Identity.address == UK_NUMBER))
        assert identity is not None
        identity.last_inbound_at = None
    sender = whatsapp.dispatcher.senders["whatsapp"]
    dead = Dispatcher(app.database, [sender], clock, owner="dead-host:1:x")
    (claimed,), _ = await dead.claimer.claim(["whatsapp"], Lane.BULK, clock())
    await sender.send(to_outgoing(claimed))  # the template reached Twilio; then it died
    clock.advance(seconds=15)
    await whatsapp.deliver()

    (template,) = twilio.to(UK_NUMBER)
    assert template.content_sid is not None and twilio.listed == 1
    (row,) = await rows(app)  # not "sent": the message itself goes when they answer
    assert (row.status, row.provider_message_id) == (OutboxStatus.HELD, template.sid)


@pytest.mark.parametrize("reached_twilio", [True, False], ids=["arrived", "lost"])
async def test_a_reply_of_unknown_outcome_is_sent_again_only_if_twilio_has_no_record_of_it(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, clock: FakeClock, reached_twilio: bool
) -> None:
    await write(app, UK_NUMBER, "Which area?")
    sender = whatsapp.dispatcher.senders["whatsapp"]
    dead = Dispatcher(app.database, [sender], clock, owner="dead-host:1:x")
    (claimed,), _ = await dead.claimer.claim(["whatsapp"], Lane.CONVERSATION, clock())
    if reached_twilio:
        await sender.send(to_outgoing(claimed))
    clock.advance(seconds=15)
    await whatsapp.deliver()
    assert [m.body for m in twilio.to(UK_NUMBER)] == ["Which area?"]  # once, either way
    assert twilio.listed == 1
    (row,) = await rows(app)
    assert row.status == OutboxStatus.SENT
    assert row.provider_message_id == twilio.to(UK_NUMBER)[0].sid
