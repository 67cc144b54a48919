"""The one inbound path: the per-person lock, and failures answered with an apology."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import handlers
from bot.services.inbound import Handled, handle
from bot.storage.models import Conversation, Identity, Person
from flows.types import Inbound
from tests.support.chat import Chat

pytestmark = pytest.mark.usefixtures("programme")


async def test_two_quick_messages_from_one_person_are_handled_one_after_the_other(
    app: App,
) -> None:
    chat = Chat(app, "amina")
    await chat.says("JOIN DEMO2026")
    await chat.says("English")
    await chat.says("yes")
    # The name and the area arrive at the same moment: each must see the other's result.
    messages = [Inbound("console", "amina", f"quick-{n}", app.clock(), text=text)
                for n, text in enumerate(["Amina", "Northfield"])]
    results = await asyncio.gather(*(handle(app, m) for m in messages))
    assert results == [Handled.DONE, Handled.DONE]
    async with app.database.transaction() as session:
        row = await session.scalar(select(Conversation))
        assert row is not None
        assert row.state["answers"]["name"] == "Amina"
        assert row.state["answers"]["area"] is not None
        assert row.state["step"] == "topics"


async def test_a_failure_of_ours_gets_an_apology_and_loses_what_was_said_before(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = Chat(app, "amina")
    await chat.says("JOIN DEMO2026")
    await chat.says("Polski")
    await chat.says("tak")
    await chat.says("Amina")
    await chat.says("1")

    async def broken(ctx: object, event: object) -> None:
        raise RuntimeError("database trouble")

    monkeypatch.setitem(handlers.HANDLERS, "person_joined", broken)
    said = await chat.says("skip")
    assert chat.last_handled == Handled.FAILED
    assert "Przepraszamy" in said or "przepraszamy" in said.lower()
    assert "Traceback" not in said and "RuntimeError" not in said

    monkeypatch.undo()
    await chat.says("skip")  # the same answer again, once we are fixed
    async with app.database.transaction() as session:
        person = await session.scalar(select(Person))
        assert person is not None and person.display_name == "Amina"


async def test_someone_marked_unreachable_who_writes_again_can_be_answered(app: App) -> None:
    chat = Chat(app, "amina")
    await chat.says("JOIN DEMO2026")
    async with app.database.transaction() as session:
        identity = await session.scalar(select(Identity))
        assert identity is not None
        identity.unreachable_at = app.clock()  # they had blocked the bot, then unblocked it
    said = await chat.says("English")
    assert "Yes, I agree" in said
