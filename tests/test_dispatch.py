"""The dispatcher: order per person, retries, dead letters, limits, and never to the paused."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select

from bot import claims
from bot.app import App
from bot.channels.base import (
    Delivered,
    Limits,
    Outgoing,
    Rejected,
    RetryLater,
    SendResult,
    Unreachable,
)
from bot.dispatch import Dispatcher
from bot.services import outbox
from bot.storage.models import Identity, OutboxMessage, OutboxStatus, Role, Status
from flows.types import Reply
from tests.support.clock import FakeClock
from tests.support.people import add_person


class Scripted:
    """A sender whose answers the test decides, per (address, text)."""

    channel = "telegram"
    limits = Limits(per_second=1000)

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.script: dict[tuple[str, str], list[SendResult]] = {}

    def answer(self, address: str, text: str, *results: SendResult) -> None:
        self.script[(address, text)] = list(results)

    async def send(self, message: Outgoing) -> SendResult:
        queued = self.script.get((message.address, message.reply.text))
        result = queued.pop(0) if queued else Delivered(f"p-{message.id}")
        if isinstance(result, Delivered):
            self.sent.append((message.address, message.reply.text))
        return result


async def write(app: App, address: str, *texts: str, kind: str = "reply",
                person_id: int | None = None, forget: bool = False) -> None:
    async with app.database.transaction() as session:
        for text in texts:
            outbox.enqueue(session, channel="telegram", address=address, reply=Reply(text),
                           now=app.clock(), kind=kind, person_id=person_id,
                           forget_after_send=forget)


async def rows(app: App) -> list[OutboxMessage]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_each_persons_messages_arrive_in_order_even_when_one_must_wait(
    app: App, clock: FakeClock
) -> None:
    sender = Scripted()
    sender.answer("a", "a1", RetryLater("network down"))
    await write(app, "a", "a1", "a2", "a3")
    await write(app, "b", "b1", "b2")
    dispatcher = Dispatcher(app.database, [sender], clock)

    await dispatcher.drain()
    assert sender.sent == [("b", "b1"), ("b", "b2")]  # a1 waits, and so does everything after
    clock.advance(seconds=5)
    await dispatcher.drain()
    assert [text for address, text in sender.sent if address == "a"] == ["a1", "a2", "a3"]


async def test_retry_after_is_honoured_and_nothing_is_lost(app: App, clock: FakeClock) -> None:
    sender = Scripted()
    sender.answer("a", "hello", RetryLater("429 too many requests", after=30))
    await write(app, "a", "hello")
    dispatcher = Dispatcher(app.database, [sender], clock)
    await dispatcher.drain()
    (row,) = await rows(app)
    assert row.status == OutboxStatus.PENDING and row.error == "429 too many requests"
    assert (row.next_attempt_at - clock()).total_seconds() == 30
    clock.advance(seconds=29)
    await dispatcher.drain()
    assert sender.sent == []
    clock.advance(seconds=1)
    await dispatcher.drain()
    assert sender.sent == [("a", "hello")]
    (row,) = await rows(app)
    assert row.status == OutboxStatus.SENT and row.provider_message_id and row.attempts == 2


async def test_an_unreachable_person_is_marked_and_not_sent_to_again(
    app: App, clock: FakeClock
) -> None:
    async with app.database.transaction() as session:
        session.add(Identity(channel="telegram", address="a", created_at=clock()))
    sender = Scripted()
    sender.answer("a", "one", Unreachable("403 bot was blocked by the user"))
    await write(app, "a", "one", "two")
    await Dispatcher(app.database, [sender], clock).drain()
    assert sender.sent == []
    one, two = await rows(app)
    assert (one.status, two.status) == (OutboxStatus.DEAD, OutboxStatus.DEAD)
    assert two.error == "recipient is unreachable"
    assert two.attempts == 0  # held back, never tried
    async with app.database.transaction() as session:
        identity = await session.scalar(select(Identity))
        assert identity is not None and identity.unreachable_at == clock()


async def test_a_permanent_refusal_is_dead_lettered_with_its_reason(
    app: App, clock: FakeClock
) -> None:
    sender = Scripted()
    sender.answer("a", "bad", Rejected("400 message is too long"))
    await write(app, "a", "bad", "fine")
    await Dispatcher(app.database, [sender], clock).drain()
    bad, fine = await rows(app)
    assert (bad.status, bad.error) == (OutboxStatus.DEAD, "400 message is too long")
    assert fine.status == OutboxStatus.SENT


async def test_retries_stop_after_the_last_attempt(app: App, clock: FakeClock) -> None:
    sender = Scripted()
    sender.answer("a", "x", *[RetryLater("503")] * 10)
    await write(app, "a", "x")
    dispatcher = Dispatcher(app.database, [sender], clock, max_attempts=3)
    for _ in range(5):
        await dispatcher.drain()
        clock.advance(minutes=20)
    (row,) = await rows(app)
    assert (row.status, row.attempts) == (OutboxStatus.DEAD, 3)


async def test_a_crashing_sender_is_retried_not_lost(app: App, clock: FakeClock) -> None:
    class Broken(Scripted):
        async def send(self, message: Outgoing) -> SendResult:
            raise RuntimeError("boom")

    await write(app, "a", "x")
    await Dispatcher(app.database, [Broken()], clock).drain()
    (row,) = await rows(app)
    assert row.status == OutboxStatus.PENDING and "RuntimeError" in (row.error or "")


async def test_paused_people_get_replies_to_their_own_messages_but_nothing_else(
    app: App, clock: FakeClock
) -> None:
    person_id = await add_person(app, Role.CHAMPION, Status.PAUSED, channel=None)
    await write(app, "a", "broadcast", kind="broadcast", person_id=person_id)
    await write(app, "a", "your reply", kind="reply", person_id=person_id)
    sender = Scripted()
    await Dispatcher(app.database, [sender], clock).drain()
    assert sender.sent == [("a", "your reply")]
    broadcast, _ = await rows(app)
    assert (broadcast.status, broadcast.error) == (OutboxStatus.DEAD, "recipient is paused")
    assert broadcast.attempts == 0  # held back, never tried


async def test_a_goodbye_to_someone_forgotten_leaves_no_row(app: App, clock: FakeClock) -> None:
    await write(app, "a", "goodbye", forget=True)
    sender = Scripted()
    await Dispatcher(app.database, [sender], clock).drain()
    assert sender.sent == [("a", "goodbye")]
    assert await rows(app) == []


async def crashed_while_sending(app: App, text: str, kind: str = "reply",
                                address: str = "a") -> None:
    """A row a dispatcher had claimed when its process died (its lease then runs out)."""
    await write(app, address, text, kind=kind)
    dead = Dispatcher(app.database, [Scripted()], app.clock, owner="dead-host:1:x")
    lane = claims.Lane.BULK if kind == "broadcast" else claims.Lane.CONVERSATION
    claimed, _ = await dead.claimer.claim(["telegram"], lane, app.clock(), address)
    assert len(claimed) == 1


async def test_a_dead_dispatchers_claims_are_taken_over_within_seconds(
    app: App, clock: FakeClock
) -> None:
    await crashed_while_sending(app, "x")
    await write(app, "a", "y")
    await write(app, "b", "for b")
    sender = Scripted()
    alive = Dispatcher(app.database, [sender], clock)
    await alive.drain()
    assert sender.sent == [("b", "for b")]  # "x" is still leased: perhaps still on its way
    clock.advance(seconds=claims.LEASE.total_seconds() + 1)
    await alive.drain()
    assert sender.sent == [("b", "for b"), ("a", "x"), ("a", "y")]  # a reply is sent again


async def test_a_live_dispatcher_keeps_its_claims_by_renewing_them(
    app: App, clock: FakeClock
) -> None:
    await write(app, "a", "slow")
    release = asyncio.Event()

    class Slow(Scripted):
        async def send(self, message: Outgoing) -> SendResult:
            await release.wait()
            return await super().send(message)

    slow, other = Slow(), Scripted()
    first = Dispatcher(app.database, [slow], clock)
    second = Dispatcher(app.database, [other], clock)
    sending = asyncio.create_task(first.run_once())
    for _ in range(5):  # long past one lease, renewed all along
        await asyncio.sleep(0.05)
        clock.advance(seconds=claims.LEASE.total_seconds() - 1)
        assert await first.claimer.renew(clock()) == 1
        await second.drain()
    release.set()
    await sending
    assert other.sent == [] and slow.sent == [("a", "slow")]
    (row,) = await rows(app)
    assert row.status == OutboxStatus.SENT


async def test_two_dispatchers_never_send_the_same_message_twice(
    app: App, clock: FakeClock
) -> None:
    for n in range(40):
        await write(app, f"p{n}", f"hello {n}")
    first, second = Scripted(), Scripted()
    one = Dispatcher(app.database, [first], clock, batch=7)
    two = Dispatcher(app.database, [second], clock, batch=7)
    await asyncio.gather(one.drain(), two.drain())
    sent = Counter(first.sent + second.sent)
    assert len(sent) == 40 and set(sent.values()) == {1}


async def test_a_dispatcher_stopped_mid_send_records_what_it_sent(
    app: App, clock: FakeClock
) -> None:
    class Slow(Scripted):
        def __init__(self) -> None:
            super().__init__()
            self.sending, self.release = asyncio.Event(), asyncio.Event()

        async def send(self, message: Outgoing) -> SendResult:
            self.sending.set()
            await self.release.wait()
            return await super().send(message)

    await write(app, "a", "hello")
    sender = Slow()
    ready = asyncio.Event()
    task = asyncio.create_task(Dispatcher(app.database, [sender], clock).run_forever(ready))
    await sender.sending.wait()
    task.cancel()  # `champbot run` is stopping while "hello" is on its way
    sender.release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    (row,) = await rows(app)
    assert row.status == OutboxStatus.SENT and sender.sent == [("a", "hello")]


@pytest.mark.parametrize("attempts", [1, 5, 20])
def test_backoff_grows_and_is_capped(attempts: int) -> None:
    from bot.dispatch import backoff

    assert 0 < backoff(attempts).total_seconds() <= 900


async def test_coordinators_hear_how_many_messages_failed_not_each_one(
    app: App, clock: FakeClock
) -> None:
    from bot.services import failures

    await add_person(app)
    sender = Scripted()
    for n in range(5):
        sender.answer(f"p{n}", "hi", Rejected("400 chat not found"))
        await write(app, f"p{n}", "hi")
    await Dispatcher(app.database, [sender], clock).drain()

    assert await failures.report(app.database, clock()) == 5
    assert await failures.report(app.database, clock()) == 0  # told once
    reports = [r for r in await rows(app) if r.kind == "failure_report"]
    assert len(reports) == 1 and reports[0].address == "carol"
    text = reports[0].payload["text"]
    assert "5 messages could not be delivered" in text and "400 chat not found (5)" in text
    summary = await failures.summary(app.database, app.settings)
    assert ("telegram", "dead", "400 chat not found", 5) in summary.by_state


async def test_a_reply_goes_before_broadcast_traffic_and_never_waits_behind_it(
    app: App, clock: FakeClock
) -> None:
    for n in range(5):
        await write(app, f"p{n}", f"news {n}", kind="broadcast")
    await write(app, "p0", "more news", kind="broadcast")
    await write(app, "p0", "your answer")  # written after the broadcast rows to p0
    sender = Scripted()
    dispatcher = Dispatcher(app.database, [sender], clock)
    await dispatcher.run_once()
    assert sender.sent[0] == ("p0", "your answer")
    await dispatcher.drain()
    to_p0 = [text for address, text in sender.sent if address == "p0"]
    assert to_p0 == ["your answer", "news 0", "more news"]  # each lane in its own order


async def test_a_broadcast_of_unknown_outcome_on_telegram_is_marked_unknown_not_resent(
    app: App, clock: FakeClock
) -> None:
    await crashed_while_sending(app, "health news", kind="broadcast")
    await write(app, "a", "a reply after it")
    await crashed_while_sending(app, "an alert", kind="alert", address="b")
    clock.advance(seconds=claims.LEASE.total_seconds() + 1)
    sender = Scripted()
    await Dispatcher(app.database, [sender], clock).drain()
    assert sorted(sender.sent) == [("a", "a reply after it"), ("b", "an alert")]
    statuses = {row.payload["text"]: row.status for row in await rows(app)}
    assert statuses == {"health news": OutboxStatus.UNKNOWN, "an alert": OutboxStatus.SENT,
                        "a reply after it": OutboxStatus.SENT}
