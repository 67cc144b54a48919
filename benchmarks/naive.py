"""The naive baselines, written the obvious way with the SQLAlchemy ORM.

A turn: insert the inbound row, read and update the conversation, insert one outbox
row, in one transaction. Its engine is SQLAlchemy's default (no pre-ping); on SQLite it
sets what any correct concurrent writer needs (WAL, a busy timeout, BEGIN IMMEDIATE so
that two writers cannot deadlock upgrading their locks) and the project's durability
(synchronous=NORMAL), so that the two differ in their code, not their settings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from bot.storage.models import Conversation, InboundMessage, OutboxMessage, OutboxStatus


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")  # the project's durability, to compare code
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def engine(url: str) -> AsyncEngine:
    made = create_async_engine(url)
    if made.dialect.name == "sqlite":
        event.listen(made.sync_engine, "connect", _sqlite_connect)
        event.listen(made.sync_engine, "begin", _sqlite_begin)
    return made


class NaiveTurns:
    def __init__(self, url: str) -> None:
        self.engine = engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def turn(self, channel: str, address: str, identity_id: int, person_id: int,
                   message_id: str, text: str, now: datetime) -> None:
        async with self.sessions.begin() as session:
            session.add(InboundMessage(channel=channel, provider_message_id=message_id,
                                       received_at=now))
            conversation = await session.scalar(
                select(Conversation).where(Conversation.identity_id == identity_id))
            if conversation is None:
                conversation = Conversation(identity_id=identity_id, state={})
                session.add(conversation)
            state = dict(conversation.state or {})
            state["last"] = text
            state["turns"] = int(state.get("turns", 0)) + 1
            conversation.state = state
            conversation.updated_at = now
            session.add(OutboxMessage(
                channel=channel, address=address, person_id=person_id, kind="reply",
                payload={"text": f"You said: {text}"}, status=OutboxStatus.PENDING,
                attempts=0, next_attempt_at=now, created_at=now))

    async def close(self) -> None:
        await self.engine.dispose()
