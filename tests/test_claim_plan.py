"""A claim reads its lane's queue (the rows still to send, in id order), not every message
ever sent: checked with the database's own EXPLAIN after a long history. On SQLite, which
has no statistics and would otherwise read the whole channel and sort it, the plan names
the queue indexes; PostgreSQL chooses by its statistics, and must not read the table
through. And what each lane's queue holds is what the dispatcher claims."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text, update

from benchmarks import rows
from bot.app import App
from bot.claims import Claimer, Lane
from bot.storage.models import OutboxMessage, OutboxStatus
from tests.support.broadcasts import add_champion

QUEUES = {Lane.BULK: "ix_outbox_bulk_queue", Lane.CONVERSATION: "ix_outbox_conversation_queue"}


async def _history(app: App, sent: int) -> None:
    """``sent`` replies sent long ago, as after months of conversations."""
    async with app.database.transaction() as session:
        await rows.outbox(session, "whatsapp", sent, app.clock() - timedelta(days=90))
        await session.execute(update(OutboxMessage).values(status=OutboxStatus.SENT))
        if app.database.is_postgres:
            await session.execute(text("ANALYZE outbox"))


async def _plan(app: App, lane: Lane) -> str:
    claimer = Claimer(app.database, "test")
    statement = claimer.statement(("whatsapp",), lane, False).params(
        now=app.clock(), limit=100)
    async with app.database.transaction() as session:
        dialect = session.get_bind().dialect
        sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN QUERY PLAN " if app.database.is_sqlite else "EXPLAIN "
        found = (await session.execute(text(explain + sql))).all()
    return "\n".join(str(row[-1]) for row in found)


@pytest.mark.parametrize("lane", list(Lane))
async def test_a_claim_reads_its_lane_queue_however_long_the_history(
        app: App, lane: Lane) -> None:
    await _history(app, 5_000)
    plan = await _plan(app, lane)
    if app.database.is_postgres:  # its statistics choose among the indexes
        assert "Seq Scan on outbox" not in plan, plan
        return
    assert QUEUES[lane] in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # already in order: no sort of what was read
    # "Is an earlier message to this person unfinished?" reads their queue only.
    assert "ix_outbox_recipient_queue" in plan, plan


async def test_only_what_is_queued_is_claimed_and_each_lane_claims_its_own(app: App) -> None:
    await _history(app, 200)
    amina = await add_champion(app, "whatsapp", "+447700900001", "en")
    now = app.clock()
    async with app.database.transaction() as session:
        for kind in ("reply", "broadcast"):
            session.add(OutboxMessage(
                channel="whatsapp", address="+447700900001", person_id=amina, kind=kind,
                payload={"text": kind}, status=OutboxStatus.PENDING, attempts=0,
                next_attempt_at=now, created_at=now))
    claimer = Claimer(app.database, "test")
    replies, _ = await claimer.claim(["whatsapp"], Lane.CONVERSATION, now)
    broadcasts, _ = await claimer.claim(["whatsapp"], Lane.BULK, now)
    assert [(c.kind, c.payload["text"]) for c in replies] == [("reply", "reply")]
    assert [(c.kind, c.payload["text"]) for c in broadcasts] == [("broadcast", "broadcast")]
    again, _ = await claimer.claim(["whatsapp"], Lane.CONVERSATION, now)
    assert again == []  # being sent, leased to us: nothing more to claim
