"""Many rows made by the database itself (INSERT … SELECT over a counter), not by Python."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from flows.types import Reply

COUNTER = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "


def stamp(session: AsyncSession, moment: datetime) -> Any:
    """A timestamp as each database stores it (SQLite: naive UTC text)."""
    if session.get_bind().dialect.name == "sqlite":
        return moment.replace(tzinfo=None).isoformat(" ")
    return moment


def json_value(session: AsyncSession) -> str:
    return ":payload" if session.get_bind().dialect.name == "sqlite" else "CAST(:payload AS JSON)"


async def outbox(session: AsyncSession, channel: str, count: int, now: datetime,
                 kind: str = "reply", first: int = 0) -> None:
    """``count`` pending messages, each to a recipient of its own."""
    payload = json.dumps(Reply("Your concern C-1042 was passed on to the GP practice.")
                         .to_dict())
    await session.execute(text(
        COUNTER + "INSERT INTO outbox (channel, address, kind, payload, status, attempts, "
        "next_attempt_at, created_at, forget_after_send) "
        f"SELECT :channel, CAST(:first + i AS VARCHAR(20)), :kind, {json_value(session)}, "
        "'pending', 0, :now, :now, false FROM n"),
        {"count": count, "channel": channel, "kind": kind, "payload": payload,
         "now": stamp(session, now), "first": first})
    if session.get_bind().dialect.name == "postgresql":
        # As autovacuum would soon: without statistics the planner may choose a plan
        # fit for an empty table, and the measure would be of that, not of the code.
        await session.execute(text("ANALYZE outbox"))
