"""What is on a chat's screen and how far a message got: in the database, not in a process.

Any process may handle a button press and any dispatcher may send the next row,
so which keyboard is drawn, which were pressed, and how many parts of a long
message already went are rows here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base


class DrawnKeyboard(Base):
    """The last keyboard the bot drew in a chat (one row per chat)."""

    __tablename__ = "drawn_keyboards"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger)
    question: Mapped[str | None] = mapped_column(String(120))
    drawn_at: Mapped[datetime]


class PressedKeyboard(Base):
    """A keyboard pressed since the bot last wrote in the chat: to close or redraw.
    ``presses``: how many presses of it no reply has answered yet (a redraw answers one,
    so quick taps on a multi-choice keyboard are each redrawn in place)."""

    __tablename__ = "pressed_keyboards"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pressed_at: Mapped[datetime]  # the first of those presses
    presses: Mapped[int] = mapped_column(default=1, server_default="1")


class PartsSent(Base):
    """How many calls of one outbox row (media, then text parts) were delivered."""

    __tablename__ = "parts_sent"

    outbox_id: Mapped[int] = mapped_column(
        ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True)
    count: Mapped[int]
