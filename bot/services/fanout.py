"""Writing a broadcast to the outbox with the database doing the work.

When a broadcast starts, one payload per language is made (the text in that
language, or the default language's text with a one-line note in the person's
own language, and the "Useful / Not clear" question). Then, batch by batch,
``INSERT … SELECT`` copies the audience into the recipients table and, from
there, into the outbox, each recipient's payload chosen by a join on their
language. No recipient is ever loaded into Python, and a batch is one
transaction that records how far it got, so a crash resumes where it stopped
and the unique (broadcast, person) key keeps anyone from getting it twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.audiences import Audience, recipients
from bot.storage.broadcasts import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    BroadcastText,
)
from bot.storage.database import Database
from bot.storage.models import OutboxMessage, OutboxStatus, Person
from flows.i18n import N_, _, language, translate
from flows.languages import CODES
from flows.languages import get as language_named
from flows.types import Choice, Reply

BATCH = 5000
USEFUL, UNCLEAR = "useful", "unclear"
ANSWERS = (USEFUL, UNCLEAR)
LABELS = {USEFUL: N_("Useful"), UNCLEAR: N_("Not clear")}


def question_of(broadcast_id: int) -> str:
    return f"broadcast.{broadcast_id}"


def broadcast_of(question: str | None) -> int | None:
    """The broadcast a "Useful / Not clear" button belongs to, from its question."""
    prefix, _dot, number = (question or "").partition(".")
    return int(number) if prefix == "broadcast" and number.isdigit() else None


def payload(broadcast_id: int, code: str, text: str, fallback: bool) -> dict[str, object]:
    """The outbox payload for people whose language is ``code``."""
    with language(code):
        if fallback:
            text += "\n\n" + _("(There is no {language} translation of this message yet.)",
                               language=language_named(code).native_name)
        text += "\n\n" + _("Was this message useful? Answering is optional.")
        choices = tuple(Choice(answer, translate(LABELS[answer])) for answer in ANSWERS)
    return Reply(text, choices=choices, language=code,
                 question=question_of(broadcast_id)).to_dict()


async def prepare(session: AsyncSession, broadcast: Broadcast, default: str) -> None:
    """A payload for every language: its own text, or the default one with a note."""
    texts = {row.language: row for row in await session.scalars(
        select(BroadcastText).where(BroadcastText.broadcast_id == broadcast.id))}
    fallback_text = texts[default].text
    for code in CODES:
        row = texts.get(code)
        if row is None:
            row = BroadcastText(broadcast_id=broadcast.id, language=code, text=fallback_text,
                                fallback=True)
            session.add(row)
        row.payload = payload(broadcast.id, code, row.text, row.fallback)
    await session.flush()


async def next_batch(session: AsyncSession, broadcast: Broadcast, batch: int = BATCH) -> int:
    """Write the recipients among the next ``batch`` person ids, and their outbox rows.

    The number of people written, or -1 once every id has been covered. Batches are id
    ranges, so each one's work is bounded whatever the size of the programme; people
    who joined after the broadcast started are not in it.
    """
    now = broadcast.started_at
    assert now is not None
    last_person = await session.scalar(select(func.max(Person.id)))
    if broadcast.fanned_to >= (last_person or 0):
        return -1
    upper = broadcast.fanned_to + batch
    dialect = session.get_bind().dialect.name
    chosen = (recipients(Audience.from_dict(broadcast.audience), dialect)
              .add_columns(literal(broadcast.id))
              .where(Person.id > broadcast.fanned_to, Person.id <= upper,
                     Person.created_at <= now))
    columns = ["person_id", "channel", "address", "language", "broadcast_id"]
    if dialect == "postgresql":
        # One statement: the recipients written feed the outbox rows directly, so the
        # batch is never read back (nor scanned for, in a table that grows as it runs).
        written = (insert(BroadcastRecipient).from_select(columns, chosen)
                   .returning(*(getattr(BroadcastRecipient, c) for c in columns))
                   .cte("written"))
        result = await session.execute(insert(OutboxMessage).from_select(
            OUTBOX_COLUMNS, _outbox_rows(broadcast, upper, now, written)))
        broadcast.fanned_to = upper
        return int(getattr(result, "rowcount", 0) or 0)
    result = await session.execute(insert(BroadcastRecipient).from_select(columns, chosen))
    await session.execute(insert(OutboxMessage).from_select(
        OUTBOX_COLUMNS, _outbox_rows(broadcast, upper, now, BroadcastRecipient)))
    broadcast.fanned_to = upper
    return int(getattr(result, "rowcount", 0) or 0)


OUTBOX_COLUMNS = ["channel", "address", "person_id", "kind", "payload", "status", "attempts",
                  "next_attempt_at", "created_at", "forget_after_send", "broadcast_id"]


def _outbox_rows(broadcast: Broadcast, last: int, now: datetime, recipient: Any
                 ) -> Select[Any]:
    """The outbox rows of the recipients among ``recipient`` (the table, or the rows just
    written) up to person ``last``, each with the payload in their language."""
    text = BroadcastText
    if recipient is not BroadcastRecipient:
        recipient = recipient.c
    return (
        select(recipient.channel, recipient.address, recipient.person_id,
               literal("broadcast"), text.payload, literal(OutboxStatus.PENDING.value),
               literal(0), literal(now, OutboxMessage.next_attempt_at.type),
               literal(now, OutboxMessage.created_at.type), literal(False),
               literal(broadcast.id))
        .join(text, and_(text.broadcast_id == recipient.broadcast_id,
                         text.language == recipient.language))
        .where(recipient.broadcast_id == broadcast.id, recipient.person_id > broadcast.fanned_to,
               recipient.person_id <= last)
        .order_by(recipient.person_id))


async def run(database: Database, broadcast_id: int, now: datetime, batch: int = BATCH) -> int:
    """Write every remaining recipient, batch by batch; the number written."""
    total = 0
    while True:
        async with database.transaction() as session:
            broadcast = await _locked(session, database, broadcast_id)
            if broadcast is None or broadcast.status != BroadcastStatus.STARTING:
                return total
            written = await next_batch(session, broadcast, batch)
            total += max(written, 0)
            if written < 0:
                broadcast.status = BroadcastStatus.STARTED
                broadcast.finished_at = now
                return total


async def _locked(session: AsyncSession, database: Database, broadcast_id: int
                  ) -> Broadcast | None:
    query = select(Broadcast).where(Broadcast.id == broadcast_id)
    if database.is_postgres:
        query = query.with_for_update()
    return await session.scalar(query)


async def cancel_rows(session: AsyncSession, broadcast_id: int) -> int:
    """What was not yet sent is not sent (a row being sent now still goes)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.broadcast_id == broadcast_id,
               OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.HELD]))
        .values(status=OutboxStatus.CANCELLED))
    return int(getattr(result, "rowcount", 0) or 0)
