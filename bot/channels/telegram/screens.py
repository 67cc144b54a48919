"""Which keyboard is on screen in each chat, and which were pressed since the bot last
wrote there: rows in the database, so any process can handle the press and any
dispatcher the next message.

The next question closes the keyboards it replaces, so an answered question's
buttons cannot be pressed again; a multi-choice question answered with a toggle
is redrawn on the same message instead.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from bot.storage.database import Database, insert_for
from bot.storage.screens import DrawnKeyboard, PressedKeyboard

CHANNEL = "telegram"


class Keep(enum.Enum):
    KEEP = "keep"


KEEP = Keep.KEEP  # what is on screen stays as it was


@dataclass(frozen=True)
class Drawn:
    """The last keyboard the bot drew in a chat."""

    message_id: int
    question: str | None


class Screens:
    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.clock = clock

    async def press(self, chat: str, message_id: int) -> None:
        async with self.database.transaction(short=True) as session:
            insert = insert_for(session)(PressedKeyboard).values(
                channel=CHANNEL, chat=chat, message_id=message_id, pressed_at=self.clock())
            await session.execute(insert.on_conflict_do_nothing())

    async def look(self, chat: str) -> tuple[Drawn | None, set[int]]:
        """The keyboard on screen, and the keyboards pressed since we last wrote."""
        async with self.database.reading(short=True) as session:
            row = await session.get(DrawnKeyboard, (CHANNEL, chat))
            pressed = set(await session.scalars(select(PressedKeyboard.message_id).where(
                PressedKeyboard.channel == CHANNEL, PressedKeyboard.chat == chat)))
        return (Drawn(row.message_id, row.question) if row is not None else None), pressed

    async def settle(self, chat: str, dealt: Iterable[int], drawn: Drawn | Keep | None
                     ) -> None:
        """After a message: the pressed keyboards it closed or redrew are forgotten, and
        what is now on screen is kept (``KEEP`` leaves it as it was; ``None``: nothing).
        One transaction, whatever the message did."""
        ids = list(dealt)
        if not ids and drawn is KEEP:
            return
        async with self.database.transaction(short=True) as session:
            if ids:
                await session.execute(delete(PressedKeyboard).where(
                    PressedKeyboard.channel == CHANNEL, PressedKeyboard.chat == chat,
                    PressedKeyboard.message_id.in_(ids)))
            if drawn is None:
                await session.execute(delete(DrawnKeyboard).where(
                    DrawnKeyboard.channel == CHANNEL, DrawnKeyboard.chat == chat))
            elif isinstance(drawn, Drawn):
                question = (drawn.question or "")[:120] or None
                values = {"message_id": drawn.message_id, "question": question,
                          "drawn_at": self.clock()}
                insert = insert_for(session)(DrawnKeyboard).values(
                    channel=CHANNEL, chat=chat, **values)
                await session.execute(insert.on_conflict_do_update(
                    index_elements=[DrawnKeyboard.channel, DrawnKeyboard.chat], set_=values))
