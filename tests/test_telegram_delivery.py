"""Delivering the outbox to Telegram: its limits, its refusals and long messages, against
a local Bot API server that answers like Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import App
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.sender import LIMITS
from bot.dispatch import Dispatcher
from bot.services import failures, outbox
from bot.storage.models import Identity, OutboxMessage, OutboxStatus
from flows.types import Choice, Media, Reply
from tests.support.clock import FakeClock
from tests.support.people import add_person
from tests.support.telegram_server import FakeTelegram


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram().running() as server:
        yield server


@pytest.fixture
async def dispatcher(app: App, telegram: FakeTelegram,
                     clock: FakeClock) -> AsyncIterator[Dispatcher]:
    """The Telegram sender as `champbot run` builds it, with Telegram's real limits."""
    app.settings = app.settings.model_copy(update={
        "telegram_bot_token": SecretStr(telegram.token),
        "telegram_api_base_url": telegram.base_url})
    channel = TelegramChannel(app, limits=LIMITS)
    await channel.application.initialize()
    try:
        yield Dispatcher(app.database, [channel.sender], clock)
    finally:
        await channel.application.shutdown()


async def write(app: App, address: int, *replies: Reply | str, kind: str = "reply") -> None:
    async with app.database.transaction() as session:
        for reply in replies:
            outbox.enqueue(session, channel="telegram", address=str(address),
                           reply=Reply(reply) if isinstance(reply, str) else reply,
                           now=app.clock(), kind=kind)


async def rows(app: App) -> list[OutboxMessage]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_a_429_delays_delivery_by_retry_after_and_loses_nothing(
    app: App, telegram: FakeTelegram, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    amina = telegram.person(2001)
    telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    await write(app, 2001, "Your next session is on Monday.")
    await dispatcher.drain()
    (row,) = await rows(app)
    assert row.status == OutboxStatus.PENDING and row.error and "429" in row.error
    assert (row.next_attempt_at - clock()).total_seconds() == 7
    assert amina.messages == []

    clock.advance(seconds=6)
    await dispatcher.drain()
    assert amina.messages == []  # not before Telegram said
    clock.advance(seconds=1)
    await dispatcher.drain()
    assert [m.text for m in amina.messages] == ["Your next session is on Monday."]
    (row,) = await rows(app)
    assert row.status == OutboxStatus.SENT
    assert row.provider_message_id == str(amina.latest.message_id)


async def test_a_network_failure_is_retried_with_backoff(
    app: App, telegram: FakeTelegram, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    amina = telegram.person(2002)
    telegram.fail_next("sendMessage", 502, "Bad Gateway")
    await write(app, 2002, "hello")
    await dispatcher.drain()
    (row,) = await rows(app)
    assert row.status == OutboxStatus.PENDING and row.next_attempt_at > clock()
    clock.advance(minutes=1)
    await dispatcher.drain()
    assert [m.text for m in amina.messages] == ["hello"]


async def test_someone_who_blocked_the_bot_is_marked_unreachable_and_left_alone(
    app: App, telegram: FakeTelegram, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    telegram.person(2003)
    telegram.blocked.add(2003)
    async with app.database.transaction() as session:
        session.add(Identity(channel="telegram", address="2003", created_at=clock()))
    await write(app, 2003, "one", "two")
    await dispatcher.drain()
    clock.advance(hours=1)
    await write(app, 2003, "three", kind="broadcast")
    await dispatcher.drain()

    assert len([c for c in telegram.calls if c.chat_id == 2003]) == 1  # one try, then none
    one, two, three = await rows(app)
    assert one.status == OutboxStatus.DEAD and "403" in (one.error or "")
    assert (two.error, three.error) == ("recipient is unreachable", "recipient is unreachable")
    async with app.database.transaction() as session:
        identity = await session.scalar(select(Identity))
        assert identity is not None and identity.unreachable_at is not None


async def test_a_permanent_refusal_is_dead_lettered_and_coordinators_hear_the_count(
    app: App, telegram: FakeTelegram, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    carol = telegram.person(2004, "Carol")
    await add_person(app, channel="telegram", address="2004")
    await write(app, 2998, "to a chat Telegram does not know")
    await write(app, 2999, "nor this one")
    await dispatcher.drain()
    dead = [r for r in await rows(app) if r.status == OutboxStatus.DEAD]
    assert [r.error for r in dead] == ["400 Chat not found", "400 Chat not found"]

    assert await failures.report(app.database, clock()) == 2
    await dispatcher.drain()
    assert "2 messages could not be delivered" in carol.latest.text
    assert "400 Chat not found (2)" in carol.latest.text


async def test_a_long_message_arrives_in_parts_with_its_buttons_on_the_last(
    app: App, telegram: FakeTelegram, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    amina = telegram.person(2005)
    text = "Wash your hands before eating and after using the toilet. " * 150
    await write(app, 2005, Reply(text, (Choice("yes", "Yes"), Choice("no", "No")),
                                 question="info.shared"))
    await dispatcher.drain()
    assert len(amina.messages) == 3
    assert [m.keyboard is not None for m in amina.messages] == [False, False, True]
    assert "".join(m.text for m in amina.messages).replace(" ", "") == text.replace(" ", "")
    (row,) = await rows(app)
    assert row.provider_message_id == str(amina.latest.message_id)


async def test_a_message_cut_short_by_a_429_resumes_where_it_stopped(
    app: App, telegram: FakeTelegram, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    amina = telegram.person(2006)
    text = "Drink water and rest. " * 400  # three parts
    await write(app, 2006, text)
    telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3,
                       chat_id=2006, after=2)  # the third part is refused for a moment
    await dispatcher.drain()
    assert len(amina.messages) == 2
    clock.advance(seconds=3)
    await dispatcher.drain()
    assert len(amina.messages) == 3  # the third part once, the first two not again
    assert "".join(m.text for m in amina.messages).replace(" ", "") == text.replace(" ", "")


async def test_a_photo_is_sent_by_its_file_id_with_the_text_as_its_caption(
    app: App, telegram: FakeTelegram, dispatcher: Dispatcher
) -> None:
    partner = telegram.person(2007)
    telegram.files["AgAC-photo"] = b"a photo"
    await write(app, 2007, Reply("A concern with a photo, at 3 <4> Mill Lane & Co:",
                                 media=(Media("photo", "AgAC-photo", "image/jpeg"),)))
    await dispatcher.drain()
    assert [(m.kind, m.file_id, m.text) for m in partner.messages] == [
        ("photo", "AgAC-photo", "A concern with a photo, at 3 <4> Mill Lane & Co:")]


async def test_a_text_too_long_for_a_caption_comes_first_and_a_retry_does_not_repeat_it(
    app: App, telegram: FakeTelegram, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    partner = telegram.person(2010)
    telegram.files["AgAC-photo"] = b"a photo"
    text = "URGENT concern C-1001. " + "Black mould in the flats on Mill Lane. " * 30
    await write(app, 2010, Reply(text, media=(Media("photo", "AgAC-photo", "image/jpeg"),)))
    telegram.fail_next("sendPhoto", 429, "Too Many Requests: retry after 3", retry_after=3)
    await dispatcher.drain()
    assert [m.kind for m in partner.messages] == ["text"]
    clock.advance(seconds=3)
    await dispatcher.drain()
    assert [(m.kind, m.text) for m in partner.messages] == [("text", text.strip()),
                                                            ("photo", "")]


async def test_several_files_follow_their_text(
    app: App, telegram: FakeTelegram, dispatcher: Dispatcher
) -> None:
    partner = telegram.person(2011)
    telegram.files.update({"AgAC-photo": b"a photo", "AwAC-voice": b"OggS a voice note"})
    await write(app, 2011, Reply("Files sent with concern C-1001:", media=(
        Media("photo", "AgAC-photo", "image/jpeg"), Media("voice", "AwAC-voice", "audio/ogg"))))
    await dispatcher.drain()
    assert [(m.kind, m.text) for m in partner.messages] == [
        ("text", "Files sent with concern C-1001:"), ("photo", ""), ("voice", "")]


async def test_a_question_with_a_photo_keeps_its_buttons_on_the_last_message(
    app: App, telegram: FakeTelegram, dispatcher: Dispatcher
) -> None:
    amina = telegram.person(2012)
    telegram.files["AgAC-photo"] = b"a photo"
    await write(app, 2012, Reply("Is this the place?", (Choice("yes", "Yes"), Choice("no", "No")),
                                 question="concern.place",
                                 media=(Media("photo", "AgAC-photo", "image/jpeg"),)))
    await dispatcher.drain()
    assert [(m.kind, m.text, m.buttons()) for m in amina.messages] == [
        ("photo", "", []), ("text", "Is this the place?", ["Yes", "No"])]


async def test_the_words_of_a_file_erased_before_it_went_still_arrive(
    app: App, telegram: FakeTelegram, dispatcher: Dispatcher
) -> None:
    carol = telegram.person(2013)
    await write(app, 2013, Reply("A file sent with concern C-1001:",
                                 media=(Media("photo", "stored:99:c1", "image/jpeg"),)))
    await dispatcher.drain()
    assert [(m.kind, m.text) for m in carol.messages] == [
        ("text", "A file sent with concern C-1001:")]
    (row,) = await rows(app)
    assert row.status == OutboxStatus.SENT


async def test_the_overall_rate_stays_under_thirty_a_second_and_a_chat_gets_a_short_burst(
    app: App, telegram: FakeTelegram, dispatcher: Dispatcher
) -> None:
    people = [telegram.person(3000 + n) for n in range(30)]
    for person in people:
        await write(app, person.chat_id, "first", "second", "third", "fourth", "fifth")
    await dispatcher.drain()

    sends = telegram.sends()
    assert len(sends) == 150
    for call in sends:  # measured where Telegram measures: on arrival
        assert len([c for c in sends if call.at <= c.at < call.at + 1.0]) <= 30
    for person in people:
        # Three may go back to back (a reply's picture, text and question); beyond that,
        # one a second: of any k + 3 messages in a row, the last comes k seconds or more
        # after the first.
        times = [c.at for c in telegram.sends(person.chat_id)]
        assert len(times) == 5
        assert all(times[i + 2 + k] - times[i] >= k for k in (1, 2)
                   for i in range(len(times) - 2 - k))


async def test_a_chart_drawn_by_us_is_uploaded_as_a_photo(
    app: App, telegram: FakeTelegram, dispatcher: Dispatcher
) -> None:
    import base64

    carol = telegram.person(2008)
    picture = b"\x89PNG\r\n\x1a\n a chart"
    ref = "data:image/png;base64," + base64.b64encode(picture).decode()
    await write(app, 2008, Reply("This month: 3 activities.",
                                 media=(Media("photo", ref, "image/png"),)))
    await dispatcher.drain()
    assert [(m.kind, m.text) for m in carol.messages] == [("photo", "This month: 3 activities.")]
    assert telegram.files[carol.messages[0].file_id or ""] == picture
