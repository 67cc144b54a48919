"""The running dispatcher: a reply leaves as soon as its turn wakes it, never behind a round
still on its way; each person's messages keep their order; several dispatchers send each
message once; the indexes its claims and the reports rely on are there."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import inspect

from bot.app import App
from bot.channels.base import Delivered, Limits, Outgoing, SendResult
from bot.dispatch import Dispatcher
from bot.services import outbox
from bot.storage.models import OutboxStatus
from flows.types import Reply
from tests.support.clock import FakeClock
from tests.test_dispatch import rows, write


class Gated:
    """A sender that holds back the messages the test names until it lets them go."""

    channel = "telegram"
    limits = Limits(per_second=1000)

    def __init__(self, *held: str) -> None:
        self.sent: list[tuple[str, str]] = []
        self.gates = {text: asyncio.Event() for text in held}
        self.waiting = {text: asyncio.Event() for text in held}
        self.arrived: dict[tuple[str, str], asyncio.Event] = {}

    def arrival(self, address: str, text: str) -> asyncio.Event:
        return self.arrived.setdefault((address, text), asyncio.Event())

    async def send(self, message: Outgoing) -> SendResult:
        text = message.reply.text
        if text in self.gates:
            self.waiting[text].set()
            await self.gates[text].wait()
        self.sent.append((message.address, text))
        self.arrival(message.address, text).set()
        return Delivered(f"p-{message.id}")


async def run(app: App, sender: Gated, clock: FakeClock) -> asyncio.Task[None]:
    dispatcher = Dispatcher(app.database, [sender], clock)
    return asyncio.create_task(dispatcher.run_forever(app.outbox_ready, idle_seconds=30))


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_reply_leaves_while_an_earlier_round_is_still_on_its_way(
    app: App, clock: FakeClock
) -> None:
    sender = Gated("a long answer to amina")
    await write(app, "amina", "a long answer to amina")
    task = await run(app, sender, clock)
    await sender.waiting["a long answer to amina"].wait()  # that round is still sending

    await write(app, "bilal", "your reference is C-1042")  # a turn commits its reply...
    await write(app, "amina", "and one more thing")
    app.outbox_ready.set()  # ...and wakes the dispatcher, which is idle for 30 s otherwise
    await sender.arrival("bilal", "your reference is C-1042").wait()
    # Bilal's reply did not wait for Amina's round; Amina's next waits for her first.
    assert sender.sent == [("bilal", "your reference is C-1042")]

    sender.gates["a long answer to amina"].set()
    await sender.arrival("amina", "and one more thing").wait()
    await stop(task)
    assert [text for address, text in sender.sent if address == "amina"] == [
        "a long answer to amina", "and one more thing"]
    assert {row.status for row in await rows(app)} == {OutboxStatus.SENT}


async def test_replies_keep_each_persons_order_across_rounds_running_at_once(
    app: App, clock: FakeClock
) -> None:
    sender = Gated()
    task = await run(app, sender, clock)
    people = [f"p{n}" for n in range(12)]
    for step in range(4):  # four turns each, each turn waking the dispatcher
        for person in people:
            await write(app, person, f"{person} answer {step}")
            app.outbox_ready.set()
        await asyncio.sleep(0)
    for person in people:
        await sender.arrival(person, f"{person} answer 3").wait()
    await stop(task)
    for person in people:
        assert [text for address, text in sender.sent if address == person] == [
            f"{person} answer {step}" for step in range(4)]


async def test_two_running_dispatchers_send_each_message_once_and_in_order(
    app: App, clock: FakeClock
) -> None:
    async with app.database.transaction() as session:
        for step in range(3):
            for n in range(40):  # three replies each, which must keep their order...
                outbox.enqueue(session, channel="telegram", address=f"p{n}",
                               reply=Reply(f"news {step}"), now=clock())
                # ...and a broadcast to others, in its own lane
                outbox.enqueue(session, channel="telegram", address=f"b{n}",
                               reply=Reply(f"news {step}"), now=clock(), kind="broadcast")
    first, second = Gated(), Gated()
    second.sent, second.arrived = first.sent, first.arrived  # one record, in order of sending
    tasks = [await run(app, first, clock), await run(app, second, clock)]
    app.outbox_ready.set()
    for n in range(40):
        await first.arrival(f"p{n}", "news 2").wait()
        await first.arrival(f"b{n}", "news 2").wait()
    for task in tasks:
        await stop(task)
    sent = Counter(first.sent)
    assert len(sent) == 240 and set(sent.values()) == {1}
    for n in range(40):
        for address in (f"p{n}", f"b{n}"):
            assert [text for to, text in first.sent if to == address] == [
                "news 0", "news 1", "news 2"]
    assert {row.status for row in await rows(app)} == {OutboxStatus.SENT}


async def test_the_indexes_for_claims_and_reports_are_there(app: App) -> None:
    async with app.database.engine.connect() as connection:
        names = await connection.run_sync(lambda sync: {
            table: {index["name"] for index in inspect(sync).get_indexes(table)}
            for table in ("outbox", "activities", "concerns", "escalations")})
    assert {"ix_outbox_provider_message_id", "ix_outbox_about_person_id"} <= names["outbox"]
    assert {"ix_activities_by_day", "ix_activities_by_person"} <= names["activities"]
    assert {"ix_concerns_created", "ix_concerns_updated"} <= names["concerns"]
    assert {"ix_escalations_acknowledged", "ix_escalations_partner_status"} <= names[
        "escalations"]
