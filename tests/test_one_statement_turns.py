"""On PostgreSQL a turn that only moves its own conversation on and replies is read outside a
transaction and written in one statement (bot.storage.turn_commit). It must never differ
from the transaction it stands in for: a message heard once, nothing lost when the
conversation moved on meanwhile (another process), nothing sent twice."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select, text

from bot.app import App
from bot.locks import lock_key
from bot.services.inbound import Handled
from bot.storage import turn_commit
from bot.storage.database import Database
from bot.storage.models import InboundMessage, OutboxMessage
from tests.support.chat import Chat, joined, t

pytestmark = pytest.mark.usefixtures("programme")
NO_ACTIVITIES = "You haven't logged any activities yet."  # her impact, before any


@pytest.fixture(autouse=True)
def _postgres_only(app: App) -> None:
    if not app.database.is_postgres:
        pytest.skip("SQLite turns are ordinary transactions (no data-modifying WITH)")


def _written(outcome: str) -> float:
    return REGISTRY.get_sample_value("champbot_turn_writes_total", {"outcome": outcome}) or 0.0


async def _count(app: App, model: Any) -> int:
    async with app.database.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _state(app: App, chat: Chat) -> dict[str, Any]:
    async with app.database.reading() as session:
        return dict(await session.scalar(text(
            "SELECT c.state FROM conversations c JOIN identities i ON i.id = c.identity_id "
            "WHERE i.address = :address"), {"address": chat.address}) or {})


def _before_commit(monkeypatch: pytest.MonkeyPatch,
                   meanwhile: Callable[[], Awaitable[None]]) -> None:
    """Run ``meanwhile`` once, after the turn was read and before its write."""
    commit = turn_commit.commit
    pending = [meanwhile]

    async def late_commit(*args: Any, **kwargs: Any) -> turn_commit.Written:
        if pending:
            await pending.pop()()
        return await commit(*args, **kwargs)

    monkeypatch.setattr(turn_commit, "commit", late_commit)


async def test_a_champion_browsing_is_answered_by_one_statement(app: App) -> None:
    amina = await joined(app, "amina")
    heard, sent, done = await _count(app, InboundMessage), await _count(app, OutboxMessage), \
        _written("done")

    said = await amina.says("/impact")

    assert amina.last_handled == Handled.DONE
    assert said.startswith(NO_ACTIVITIES)
    assert _written("done") == done + 1
    assert await _count(app, InboundMessage) == heard + 1
    assert await _count(app, OutboxMessage) == sent + len(amina.replies) > sent
    assert (await _state(app, amina))["flow"] == "menu"


async def test_the_same_message_twice_is_answered_once(app: App) -> None:
    amina = await joined(app, "amina")
    await amina.says("menu", message_id="wamid.1")
    sent = await _count(app, OutboxMessage)

    again = await amina.says("menu", message_id="wamid.1")

    assert amina.last_handled == Handled.DUPLICATE
    assert again == ""
    assert await _count(app, OutboxMessage) == sent


async def test_a_conversation_that_moved_on_meanwhile_is_answered_from_where_it_is(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    amina = await joined(app, "amina")
    await amina.says("menu")
    other = App(app.settings, Database(str(app.database.url)), clock=app.clock)

    async def another_process_answers_her() -> None:  # her earlier message, elsewhere
        try:
            await Chat(other, "amina").says("language")
        finally:
            await other.database.close()

    _before_commit(monkeypatch, another_process_answers_her)
    moved_on, heard = _written("moved on"), await _count(app, InboundMessage)

    await amina.says("Polski")  # read at the menu; meanwhile she was asked her language

    assert _written("moved on") == moved_on + 1
    assert amina.last_handled == Handled.DONE
    amina.sees(t("pl", "OK, I will use {language} from now on.", language="Polski"))
    assert await _count(app, InboundMessage) == heard + 2  # each message heard once
    async with app.database.reading() as session:
        assert await session.scalar(text(
            "SELECT p.language FROM people p JOIN identities i ON i.person_id = p.id "
            "WHERE i.address = 'amina'")) == "pl"


async def test_a_message_recorded_elsewhere_while_the_turn_is_written_is_not_answered_twice(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """The write checks the message is new, then records it. Another path records the
    same message in between (its transaction commits while the write waits for it): the
    whole write is undone, and the turn finds the message already heard."""
    amina = await joined(app, "amina")
    await amina.says("menu")
    state = await _state(app, amina)
    sent = await _count(app, OutboxMessage)
    holder = Database(str(app.database.url))
    holding = await holder.engine.connect()
    transaction = await holding.begin()
    await holding.execute(text(
        "INSERT INTO inbound_messages (channel, provider_message_id, received_at) "
        "VALUES ('console', 'wamid.race', now())"))

    async def commit_once_the_write_waits() -> None:
        async def release() -> None:
            async with holder.engine.connect() as watcher:
                for _ in range(500):
                    waiting = await watcher.scalar(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE '%WITH fresh AS%'"))
                    if waiting:
                        break
                    await asyncio.sleep(0.01)
            await transaction.commit()
        asyncio.get_running_loop().create_task(release())

    _before_commit(monkeypatch, commit_once_the_write_waits)
    try:
        said = await amina.says("/impact", message_id="wamid.race")
    finally:
        await holding.close()
        await holder.close()

    assert amina.last_handled == Handled.DUPLICATE
    assert said == ""
    assert await _count(app, OutboxMessage) == sent
    assert await _state(app, amina) == state


async def test_a_turn_with_an_event_is_a_transaction(app: App) -> None:
    amina = await joined(app, "amina")
    await amina.says("language")
    done, transactions = _written("done"), await _count(app, InboundMessage)

    await amina.says("Polski")  # changes her profile: an event

    amina.sees(t("pl", "OK, I will use {language} from now on.", language="Polski"))
    assert _written("done") == done
    assert await _count(app, InboundMessage) == transactions + 1


async def test_a_turn_of_theirs_in_a_transaction_elsewhere_is_waited_for(app: App) -> None:
    """Another process is in the middle of a turn of hers (a transaction holding her lock;
    it saves her conversation at its end). The one-statement write waits for it, sees
    the conversation moved on, and the turn runs again from there: no lost update."""
    amina = await joined(app, "amina")
    await amina.says("menu")
    elsewhere = Database(str(app.database.url))
    turn = await elsewhere.engine.connect()
    transaction = await turn.begin()
    await turn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                       {"key": lock_key("console", "amina")})

    async def save_once_we_wait() -> None:
        async with elsewhere.engine.connect() as watcher:
            for _ in range(500):
                if await watcher.scalar(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE '%WITH fresh AS%'")):
                    break
                await asyncio.sleep(0.01)
        await turn.execute(text(
            "UPDATE conversations SET updated_at = updated_at + interval '1 second' "
            "WHERE identity_id = (SELECT id FROM identities WHERE address = 'amina')"))
        await transaction.commit()

    moved_on = _written("moved on")
    saving = asyncio.get_running_loop().create_task(save_once_we_wait())
    try:
        said = await amina.says("/impact")
        await saving
    finally:
        await turn.close()
        await elsewhere.close()

    assert _written("moved on") == moved_on + 1
    assert amina.last_handled == Handled.DONE
    assert said.startswith(NO_ACTIVITIES)


async def test_her_next_turn_starts_from_what_the_last_one_left(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    amina = await joined(app, "amina")
    read = turn_commit.arrival
    reads: list[str] = []

    async def counted(*args: Any) -> Any:
        reads.append(args[2])
        return await read(*args)

    monkeypatch.setattr(turn_commit, "arrival", counted)
    await amina.says("menu")
    await amina.says("/impact")
    amina.sees(NO_ACTIVITIES)
    await amina.says("menu")
    amina.sees("What would you like to do?")

    assert reads == ["amina"]  # read once; the next two started from what was left


async def test_a_change_to_her_made_elsewhere_between_turns_is_seen_at_once(app: App) -> None:
    amina = await joined(app, "amina")
    await amina.says("menu")  # her arrival is now kept in this process
    async with app.database.transaction() as session:  # a coordinator, another process
        await session.execute(text("UPDATE people SET language = 'pl' WHERE id = "
                                   "(SELECT person_id FROM identities WHERE address = 'amina')"))
    moved_on = _written("moved on")

    await amina.says("menu")

    assert _written("moved on") == moved_on + 1
    amina.sees(t("pl", "What would you like to do?"))


async def test_a_message_held_for_her_meanwhile_goes_after_the_answer(app: App) -> None:
    amina = await joined(app, "amina")
    await amina.says("menu")
    async with app.database.transaction() as session:  # held elsewhere, e.g. outside 24 h
        await session.execute(text(
            "INSERT INTO outbox (channel, address, kind, payload, status, attempts, "
            "next_attempt_at, created_at, forget_after_send) VALUES ('console', 'amina', "
            "'broadcast', '{\"text\": \"Flu jabs this Saturday\"}', 'held', 0, now(), now(), "
            "false)"))

    said = await amina.says("/impact")

    # The answer to what she wrote first; what waited last, where its question is answerable.
    assert said.index(NO_ACTIVITIES) < said.index("Flu jabs this Saturday")
