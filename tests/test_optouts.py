"""Opting out and holding messages, on every channel: the rules the one inbound path keeps."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.base import Delivered, Held, Outgoing, SendResult
from bot.services import identities, outbox
from bot.storage.models import Identity, OutboxMessage, OutboxStatus, Role
from flows.types import Reply
from tests.support.chat import Chat, Recorder
from tests.support.clock import FakeClock
from tests.test_joining import join

pytestmark = pytest.mark.usefixtures("programme")


async def the_identity(app: App, address: str) -> Identity | None:
    async with app.database.transaction() as session:
        return await identities.find(session, "console", address)


async def test_stop_before_joining_keeps_only_the_opt_out_and_answers_only_with_a_reminder(
    app: App, clock: FakeClock
) -> None:
    sam = Chat(app, "sam")
    await sam.says("JOIN DEMO2026")
    await sam.says("stop")
    sam.sees("OK, we won't message you again. We have kept nothing about you except a note "
             "not to message you.")
    found = await the_identity(app, "sam")
    assert found is not None and found.opted_out_at == clock() and found.person_id is None

    clock.advance(minutes=1)
    assert await sam.says("hello") == (
        "Your messages are paused. Send START to switch them on again.")
    assert await sam.says("hello?") == ""  # reminded at most once a day
    await sam.says("DEMO2026")  # their invite code on its own lifts it too
    sam.sees("Which language would you like to use?")
    found = await the_identity(app, "sam")
    assert found is not None and found.opted_out_at is None


async def test_a_number_that_opted_out_is_left_out_of_everyone_lists(app: App) -> None:
    amina = Chat(app, "amina")
    await join(amina, "en")
    await amina.says("STOP")
    await amina.says("START")
    async with app.database.transaction() as session:
        assert len(await identities.of_people(session, role=Role.CHAMPION)) == 1
        identity = await identities.find(session, "console", "amina")
        assert identity is not None
        identity.opted_out_at = app.clock()  # stopped on this number, resumed elsewhere
        assert await identities.of_people(session, role=Role.CHAMPION) == []


class Holding(Recorder):
    """A channel that holds what is not a reply until told the person wrote (as WhatsApp)."""

    window_open = False

    async def send(self, message: Outgoing) -> SendResult:
        if message.kind != "reply" and not self.window_open:
            return Held("waiting for them to write", provider_id="notice-1")
        self.sent.append(message)
        return Delivered(f"{self.channel}-{message.id}")


async def test_held_messages_go_when_the_person_next_writes_after_the_answer(
    app: App,
) -> None:
    holding = Holding("console")
    amina = Chat(app, "amina", recorder=holding)
    await join(amina, "en")
    async with app.database.transaction() as session:
        for text in ("news 1", "news 2"):
            outbox.enqueue(session, channel="console", address="amina", kind="broadcast",
                           reply=Reply(text), now=app.clock(), values={"reference": "C-1"})
    assert await amina.reads() == ""
    async with app.database.transaction() as session:
        held = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.HELD).order_by(OutboxMessage.id)))
    assert [(r.error, r.provider_message_id) for r in held] == [
        ("waiting for them to write", "notice-1")] * 2
    assert held[0].payload["values"] == {"reference": "C-1"}

    holding.window_open = True
    await amina.says("menu")
    assert "What would you like to do?" in amina.replies[0]
    assert amina.replies[1:] == ["news 1", "news 2"]
