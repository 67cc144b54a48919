"""What makes a turn cheap must not change what people see: the areas kept in memory follow
every change, and a database connection dropped under a turn does not lose the turn."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import App
from bot.services import areas, library, outbox
from bot.services.inbound import Handled
from bot.storage.models import Area, Identity, InboundMessage, OutboxMessage
from flows.types import Reply
from tests.support.chat import Chat, joined
from tests.support.clock import FakeClock

pytestmark = pytest.mark.usefixtures("programme")


async def _at_the_area_question(app: App) -> Chat:
    amina = Chat(app, "amina")
    for said in ("JOIN DEMO2026", "English", "yes"):
        await amina.says(said)
    return amina


async def test_an_area_added_while_people_talk_is_offered_at_once(app: App) -> None:
    amina = await _at_the_area_question(app)  # the areas have been read by now
    async with app.database.transaction() as session:
        await areas.import_rows(session, [("brookside", "Brookside")], app.clock())
    await amina.says("Amina")
    amina.sees("Which area do you mostly work in?", "Brookside", "Northfield")


async def test_an_area_renamed_by_a_statement_is_offered_under_its_new_name(app: App) -> None:
    amina = await _at_the_area_question(app)
    async with app.database.transaction() as session:
        await session.execute(update(Area).where(Area.name == "Northfield")
                              .values(name="Northfield and Marsh"))
    await amina.says("Amina")
    amina.sees("Which area do you mostly work in?", "Northfield and Marsh")


async def test_an_area_change_that_is_rolled_back_leaves_the_list_as_it_was(app: App) -> None:
    amina = await _at_the_area_question(app)
    async def change_our_mind() -> None:
        async with app.database.transaction() as session:
            await areas.import_rows(session, [("brookside", "Brookside")], app.clock())
            raise RuntimeError("changed our mind")

    with pytest.raises(RuntimeError):
        await change_our_mind()
    await amina.says("Amina")
    amina.sees("Which area do you mostly work in?", "Northfield")
    amina.does_not_see("Brookside")


async def test_a_dropped_database_connection_does_not_lose_the_turn(app: App) -> None:
    if not app.database.is_postgres:
        pytest.skip("ending a server connection from outside needs PostgreSQL")
    amina = await _at_the_area_question(app)
    # The pool now holds connections the server is about to end (a restart, a firewall).
    admin = create_async_engine(app.database.url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            ended = await connection.scalar(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    finally:
        await admin.dispose()
    assert ended

    said = await amina.says("Amina")
    assert amina.last_handled == Handled.DONE
    assert "Which area do you mostly work in?" in said
    async with app.database.transaction() as session:
        heard = await session.scalar(select(func.count()).select_from(InboundMessage))
        replies = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                       .where(OutboxMessage.address == "amina"))
    assert heard == 4  # every message once, none lost and none twice
    assert replies == 4


async def test_the_time_someone_last_wrote_is_kept_to_the_minute_and_clears_unreachable(
        app: App, clock: FakeClock) -> None:
    amina = await _at_the_area_question(app)

    async def identity() -> Identity:
        async with app.database.transaction() as session:
            found = await session.scalar(select(Identity).where(Identity.address == "amina"))
            assert found is not None
            return found

    first = (await identity()).last_inbound_at
    assert first == clock.now
    clock.advance(seconds=40)
    await amina.says("Amina")  # within the minute: not written again
    assert (await identity()).last_inbound_at == first
    async with app.database.transaction() as session:  # a send failed: marked unreachable
        await session.execute(update(Identity).where(Identity.address == "amina")
                              .values(unreachable_at=clock.now))
    clock.advance(seconds=30)
    await amina.says("1")
    found = await identity()
    assert found.last_inbound_at == clock.now  # over a minute since: written
    assert found.unreachable_at is None  # they wrote, so they can be reached again


async def test_a_health_message_changed_while_people_read_is_shown_changed_at_once(
        app: App) -> None:
    amina = await joined(app, "amina", "en")
    await amina.says("/info")  # the library has been read (and kept) by now
    await amina.says("Heart health and blood pressure")
    async with app.database.transaction() as session:
        texts = {r.slug: r for r in library.starter_rows() if r.language == "en"}
        stroke = next(r for r in texts.values() if "stroke" in r.source_url)
        await library.import_rows(
            session, [replace(stroke, title="Stroke: act FAST, call 999")], app.clock())
    await amina.says("menu")
    await amina.says("/info")
    await amina.says("Heart health and blood pressure")
    amina.sees("Stroke: act FAST, call 999")


async def test_a_reply_written_at_once_keeps_its_place_among_those_enqueued(app: App) -> None:
    """A turn's replies are written by one INSERT each, at once; what a handler enqueued
    before them in the same transaction still reaches the person first."""
    amina = await joined(app, "amina")
    async with app.database.transaction() as session:
        now = app.clock()
        outbox.enqueue(session, channel="console", address="amina", reply=Reply("first"),
                       now=now)
        await outbox.write(session, channel="console", address="amina",
                           reply=Reply("second"), now=now)
        outbox.enqueue(session, channel="console", address="amina", reply=Reply("third"),
                       now=now)

    await amina.reads()

    assert amina.replies == ["first", "second", "third"]
