"""Which keyboard is on screen in each chat, and which were pressed since the bot last
wrote there: rows in the database, so any process can handle the press and any
dispatcher the next message.

The next question closes the keyboards it replaces, so an answered question's
buttons cannot be pressed again; a multi-choice question answered with a toggle
is redrawn on the same message instead.

Presses are counted, not only noted: a person ticking toggles quickly presses the
keyboard again while the answer to the last tap is on its way (or before it went),
and each of those presses is answered by a redraw of its own. So a redraw answers
one press and leaves the later ones to the replies that follow; closing a keyboard
answers all of them (there is nothing left to press). A press that turns out to be
a repeat (a double tap, an update delivered twice) is taken back, as no reply answers it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

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
                channel=CHANNEL, chat=chat, message_id=message_id, pressed_at=self.clock(),
                presses=1)
            await session.execute(insert.on_conflict_do_update(
                index_elements=[PressedKeyboard.channel, PressedKeyboard.chat,
                                PressedKeyboard.message_id],
                set_={"presses": PressedKeyboard.presses + 1}))

    async def unpress(self, chat: str, message_id: int) -> None:
        """A press that was a repeat of one already taken: no reply will answer it."""
        async with self.database.transaction(short=True) as session:
            await _answer_one(session, chat, message_id)

    async def look(self, chat: str) -> tuple[Drawn | None, set[int]]:
        """The keyboard on screen, and the keyboards pressed since we last wrote."""
        async with self.database.reading(short=True) as session:
            row = await session.get(DrawnKeyboard, (CHANNEL, chat))
            pressed = set(await session.scalars(select(PressedKeyboard.message_id).where(
                PressedKeyboard.channel == CHANNEL, PressedKeyboard.chat == chat)))
        return (Drawn(row.message_id, row.question) if row is not None else None), pressed

    async def settle(self, chat: str, dealt: Iterable[int], drawn: Drawn | Keep | None,
                     redrawn: int | None = None) -> None:
        """After a message: the pressed keyboards it closed (``dealt``) are forgotten, the
        one it redrew has one press answered (presses since, on their way, wait for the
        replies that answer them), and what is now on screen is kept (``KEEP`` leaves it as
        it was; ``None``: nothing). One transaction, whatever the message did."""
        ids = list(dealt)
        if not ids and redrawn is None and drawn is KEEP:
            return
        async with self.database.transaction(short=True) as session:
            if ids:
                await session.execute(delete(PressedKeyboard).where(
                    PressedKeyboard.channel == CHANNEL, PressedKeyboard.chat == chat,
                    PressedKeyboard.message_id.in_(ids)))
            if redrawn is not None and redrawn not in ids:
                await _answer_one(session, chat, redrawn)
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


async def _answer_one(session: AsyncSession, chat: str, message_id: int) -> None:
    """One press of a keyboard answered; the keyboard forgotten once none is left."""
    pressed = (PressedKeyboard.channel == CHANNEL, PressedKeyboard.chat == chat,
               PressedKeyboard.message_id == message_id)
    await session.execute(update(PressedKeyboard).where(*pressed).values(
        presses=PressedKeyboard.presses - 1))
    await session.execute(delete(PressedKeyboard).where(*pressed, PressedKeyboard.presses <= 0))
