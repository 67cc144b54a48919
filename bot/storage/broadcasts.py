"""Broadcast tables: what is sent to whom and when, who got it, saved groups and feedback.

Texts are kept per language, each with the whole outbox payload ready (the text,
or the default language's text with a note in the person's language, and the
"Useful / Not clear" question), so the fan-out copies rows in SQL and never
builds a message in Python per recipient.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, text_enum


class BroadcastStatus(enum.StrEnum):
    DRAFT = "draft"  # created, not started and no time set
    SCHEDULED = "scheduled"  # waits for ``at`` (a recurring one stays scheduled)
    STARTING = "starting"  # the audience is being written to the outbox, batch by batch
    STARTED = "started"  # every recipient has an outbox row
    CANCELLED = "cancelled"


class Broadcast(Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[BroadcastStatus] = mapped_column(text_enum(BroadcastStatus), index=True)
    library_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("health_messages.id", ondelete="SET NULL"))
    # {"areas": [...], "languages": [...], "topics": [...], "roles": [...], "group": [...]}
    # as given (ids or names); {} means all champions.
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime | None]  # when it is due (the next time, for a recurring one)
    repeat: Mapped[str | None] = mapped_column(String(10))  # weekly | monthly
    urgent: Mapped[bool] = mapped_column(default=False)
    # Set when quiet hours hold it: not started before this time.
    held_until: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(default=False)  # started after a missed time
    # The recurring broadcast this one is an occurrence of.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL"), index=True)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]  # every recipient written to the outbox
    cancelled_at: Mapped[datetime | None]
    # Fan-out progress: people up to this id have been written (resumable after a crash).
    fanned_to: Mapped[int] = mapped_column(default=0)


class BroadcastText(Base):
    """The message in one language, as given by the coordinator or from the library."""

    __tablename__ = "broadcast_texts"
    __table_args__ = (UniqueConstraint("broadcast_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    # The outbox payload for people of this language, made when the broadcast starts:
    # for a language without a text, the default language's with a note.
    payload: Mapped[dict[str, Any] | None]
    fallback: Mapped[bool] = mapped_column(default=False)


class BroadcastRecipient(Base):
    """One person the broadcast went to, fixed when it started.

    Keyed by (broadcast, person), which also keeps anyone from getting it twice; no
    foreign keys, checked per row as a broadcast writes, since neither broadcasts nor
    people are ever deleted and the fan-out takes both ids from their tables.
    """

    __tablename__ = "broadcast_recipients"

    broadcast_id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))


class SavedGroup(Base):
    """A named list of people to broadcast to (e.g. "pharmacy volunteers")."""

    __tablename__ = "saved_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime]


class SavedGroupMember(Base):
    __tablename__ = "saved_group_members"
    __table_args__ = (UniqueConstraint("group_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("saved_groups.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)


class BroadcastFeedback(Base):
    """A recipient's "Useful" or "Not clear", once per broadcast (a later answer replaces it)."""

    __tablename__ = "broadcast_feedback"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "person_id"),
        Index("ix_broadcast_feedback_message", "library_message_id", "language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    library_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("health_messages.id", ondelete="SET NULL"))
    # No key to people: the count survives erasure, the person does not.
    person_id: Mapped[int | None]
    language: Mapped[str] = mapped_column(String(8))
    answer: Mapped[str] = mapped_column(String(10))  # useful | unclear
    created_at: Mapped[datetime]
