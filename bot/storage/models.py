"""The tables: people and how to reach them, conversations, and messages in and out."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, TextClause, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.base import Base, text_enum


class Role(enum.StrEnum):
    CHAMPION = "champion"
    COORDINATOR = "coordinator"
    PARTNER = "partner"


class Status(enum.StrEnum):
    ACTIVE = "active"
    PENDING = "pending"  # open registration, waiting for a coordinator
    PAUSED = "paused"  # sent STOP
    OPTED_OUT = "opted_out"  # left the programme
    ERASED = "erased"  # sent FORGET: only anonymous counts remain


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"  # the provider reported a failure after sending
    DEAD = "dead"  # given up: see ``error``
    HELD = "held"  # waiting for something (a template, the person's next message)
    CANCELLED = "cancelled"  # its broadcast was cancelled before it went
    UNKNOWN = "unknown"  # the sender died mid-send and the platform keeps no record to ask


class Area(Base):
    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]


class Person(Base):
    __tablename__ = "people"
    # New champions in a range (the impact report), read from the index alone.
    __table_args__ = (Index("ix_people_joined", "role", "created_at", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[Role] = mapped_column(text_enum(Role))
    status: Mapped[Status] = mapped_column(text_enum(Status))
    display_name: Mapped[str | None] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(8))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    topics: Mapped[list[Any]] = mapped_column(default=list)
    # A partner contact's organisation.
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]

    area: Mapped[Area | None] = relationship(lazy="raise")
    identities: Mapped[list[Identity]] = relationship(back_populates="person", lazy="raise")


class Identity(Base):
    """One way to reach a person: a Telegram chat, a WhatsApp number, a console name."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_inbound_at: Mapped[datetime | None]
    unreachable_at: Mapped[datetime | None]  # the platform said we can't reach them
    opted_out_at: Mapped[datetime | None]  # sent STOP (or an equivalent) on this channel

    person: Mapped[Person | None] = relationship(back_populates="identities", lazy="raise")


class Consent(Base):
    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    role: Mapped[Role] = mapped_column(text_enum(Role))
    max_uses: Mapped[int]
    uses: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))


class Conversation(Base):
    """Where one chat is in its flow, and the answers so far (flows.Conversation)."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(
        ForeignKey("identities.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class InboundMessage(Base):
    """That a message arrived, once: webhook retries and duplicates change nothing.

    Bodies are not kept here; what a person says lives in the records it creates.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "provider_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider_message_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(index=True)


SENT_ROWS = text("provider_message_id IS NOT NULL")
ABOUT_ROWS = text("about_person_id IS NOT NULL")


def queued(bulk: bool, table: str | None = None) -> TextClause:
    """The outbox rows still to send in one lane (bulk: broadcasts not released by the
    person writing; conversation: the rest), as SQL text: unqualified, the condition of
    that lane's partial index; qualified by ``table``, the same words for a claim's WHERE
    (SQLite uses a partial index only for a query that states its condition in literals).
    The kinds are bot.channels.base.BULK_KINDS (bot.claims checks they agree)."""
    q = f"{table}." if table else ""
    rows, broadcast = unfinished(table).text, f"{q}kind = 'broadcast' AND {q}released_at IS NULL"
    return text(f"{rows} AND {broadcast}" if bulk else f"{rows} AND NOT ({broadcast})")


def unfinished(table: str | None = None) -> TextClause:
    """Outbox rows still to send (pending or being sent), as ``queued`` words it."""
    return text(f"{table + '.' if table else ''}status IN ('pending', 'sending')")


# Sent, and as far as we know on the person's screen: what a typed answer may answer.
SHOWN = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.READ)


def held(table: str | None = None) -> TextClause:
    """Outbox rows waiting for their recipient to write, in literals as ``queued``."""
    return text(f"{table + '.' if table else ''}status = 'held'")


class OutboxMessage(Base):
    """A message to send, written in the same transaction as what caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_recipient", "channel", "address", "id"),
        # Only rows that have one: a broadcast's rows have neither when written, so
        # writing 100,000 of them maintains two indexes fewer.
        Index("ix_outbox_provider_message_id", "provider_message_id",
              postgresql_where=SENT_ROWS, sqlite_where=SENT_ROWS),
        Index("ix_outbox_about_person_id", "about_person_id",
              postgresql_where=ABOUT_ROWS, sqlite_where=ABOUT_ROWS),
        # Each lane's queue in id order, so a claim reads what is still to send, however
        # many rows were sent before (each row is in one until it is settled). SQLite,
        # which has no statistics, is told to use them (bot.claims); PostgreSQL plans
        # its claims from its statistics.
        Index("ix_outbox_bulk_queue", "id",
              postgresql_where=queued(True), sqlite_where=queued(True)),
        Index("ix_outbox_conversation_queue", "id",
              postgresql_where=queued(False), sqlite_where=queued(False)),
        # A recipient's rows still to send: "is an earlier one unfinished?" reads these,
        # not all they were ever sent.
        Index("ix_outbox_recipient_queue", "channel", "address", "id",
              postgresql_where=unfinished(), sqlite_where=unfinished()),
        # What waits for a recipient to write: every turn asks "is anything held?".
        Index("ix_outbox_held", "channel", "address",
              postgresql_where=held(), sqlite_where=held()),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    # No foreign keys here (nor to broadcasts below): a broadcast writes 100,000 rows and
    # each key was checked per row, for nothing, as people and broadcasts are never
    # deleted (erasure keeps the person's row) and every id written comes from them.
    person_id: Mapped[int | None] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(20))  # reply, alert, notice, broadcast
    payload: Mapped[dict[str, Any]]
    status: Mapped[OutboxStatus] = mapped_column(text_enum(OutboxStatus))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]  # when a dispatcher took it, to recover a crash
    # The dispatcher process sending it, and until when its claim holds unless renewed.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    # When a held message was let go because the person wrote: it then goes with the
    # conversation (after the answer to what they wrote), even if it is a broadcast.
    released_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(String(300))
    # The last message to someone who asked to be forgotten: deleted once sent.
    forget_after_send: Mapped[bool] = mapped_column(default=False)
    # When coordinators were told this message failed (they hear counts, not a flood).
    reported_at: Mapped[datetime | None]
    # Whose details the message carries (an alert about a champion): erased with them.
    about_person_id: Mapped[int | None]
    # The broadcast this row delivers (reports count rows by status).
    broadcast_id: Mapped[int | None] = mapped_column(index=True)


class ConcernStatus(enum.StrEnum):
    RECEIVED = "received"
    PASSED_ON = "passed_on"  # passed to a partner service
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"  # closed without action
    RETURNED = "returned"  # a service said it is not for them: back to a coordinator


class Activity(Base):
    """Something a champion did. Counts survive erasure; the free text does not."""

    __tablename__ = "activities"
    __table_args__ = (
        # Reports by date range and "My impact" read these alone (index-only), never the rows.
        Index("ix_activities_by_day", "happened_on", "area_id", "topic", "kind",
              "people_reached", "minutes_given"),
        Index("ix_activities_by_person", "person_id", "happened_on", "topic",
              "people_reached", "minutes_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    kind_other: Mapped[str | None] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(30))
    happened_on: Mapped[date] = mapped_column(index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    venue: Mapped[str] = mapped_column(String(30))
    people_reached: Mapped[int]
    minutes_given: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime]


class ActivityTotal(Base):
    """Activities added up per day, area, topic and kind: the impact report reads these few
    rows, not every activity. Kept exact by ``bot.storage.totals`` in the same flush as
    each activity written, changed or deleted through the ORM."""

    __tablename__ = "activity_totals"
    # Stored in key order (SQLite): a range of days is read in one run.
    __table_args__ = ({"sqlite_with_rowid": False},)

    happened_on: Mapped[date] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(primary_key=True)  # NO_AREA when none was given
    topic: Mapped[str] = mapped_column(String(30), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    activities: Mapped[int]
    people_reached: Mapped[int]
    minutes_given: Mapped[int]


NO_AREA = 0  # the area_id of totals of what was given no area (ids start at 1)


class ConcernTotal(Base):
    """Confirmed concerns raised per day (UTC) and area: the impact report counts a year
    of concerns from these. Kept exact by ``bot.storage.totals`` like ActivityTotal."""

    __tablename__ = "concern_totals"
    __table_args__ = ({"sqlite_with_rowid": False},)

    raised_on: Mapped[date] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(primary_key=True)  # NO_AREA when none was given
    raised: Mapped[int]


class Concern(Base):
    """Something a community is struggling with, relayed by a champion."""

    __tablename__ = "concerns"
    __table_args__ = (
        # Raised in a range and digest patterns, read from the index alone.
        Index("ix_concerns_created", "confirmed", "created_at", "category", "area_id"),
        # Resolved in a range, read from the index alone.
        Index("ix_concerns_updated", "status", "confirmed", "updated_at", "area_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(Text)
    affects: Mapped[str | None] = mapped_column(String(20))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    urgency: Mapped[str] = mapped_column(String(20))
    contact_ok: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ConcernStatus] = mapped_column(text_enum(ConcernStatus))
    red_flag: Mapped[str | None] = mapped_column(String(30))  # the kind of danger seen
    confirmed: Mapped[bool] = mapped_column(default=True)  # False: kept from a red flag only
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    said_at: Mapped[datetime | None]  # when "you said, we did" went to the area's champions

    @property
    def reference(self) -> str:
        return concern_reference(self.id)


def concern_reference(concern_id: int) -> str:
    """How people name a concern: C-1042."""
    return f"C-{1000 + concern_id}"


class ConcernUpdate(Base):
    """One step in a concern's history, shown to the champion who raised it."""

    __tablename__ = "concern_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(
        ForeignKey("concerns.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ConcernStatus] = mapped_column(text_enum(ConcernStatus))
    note: Mapped[str | None] = mapped_column(Text)
    by_role: Mapped[str] = mapped_column(String(20))  # champion, coordinator, partner, system
    created_at: Mapped[datetime]

    concern: Mapped[Concern] = relationship(lazy="raise")


class MediaState(enum.StrEnum):
    PENDING = "pending"  # known by reference only; to be fetched
    STORED = "stored"  # fetched, checked and kept in the media store
    REFUSED = "refused"  # too large or not an allowed type: see ``error``
    FAILED = "failed"  # could not be fetched after several attempts
    REMOVED = "removed"  # the file was deleted after the retention period


class Attachment(Base):
    """A photo or voice note: the channel's reference, and the file once fetched.

    The file is kept under a random name in the media store (``stored_as``), with
    its size, the type found in its content and a SHA-256 checksum.
    """

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(
        ForeignKey("concerns.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    state: Mapped[MediaState] = mapped_column(text_enum(MediaState), default=MediaState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(200))
    stored_as: Mapped[str | None] = mapped_column(String(64), unique=True)
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    stored_at: Mapped[datetime | None]
    # When coordinators were told it could not be fetched (they hear counts).
    reported_at: Mapped[datetime | None]


class HealthMessage(Base):
    """A short health message from a named source, in every supported language."""

    __tablename__ = "health_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    topic: Mapped[str] = mapped_column(String(30), index=True)
    source_name: Mapped[str] = mapped_column(String(120))
    source_url: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class HealthMessageText(Base):
    __tablename__ = "health_message_texts"
    __table_args__ = (UniqueConstraint("message_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("health_messages.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    """What a coordinator (or the system on their behalf) did to a person's data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[int | None] = mapped_column(index=True)  # no key: survives erasure
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class WaitingAlert(Base):
    """An alert for coordinators written while there was none: the first to join receives it."""

    __tablename__ = "waiting_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # red_flag, concern
    values: Mapped[dict[str, Any]]  # what the alert is rendered from, in the reader's language
    # Whose details it carries, erased with them: a person, or a number that never joined.
    about_person_id: Mapped[int | None] = mapped_column(index=True)
    channel: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


# Tables kept in modules of their own, registered on the one metadata here.
import bot.storage.screens  # noqa: E402, F401

# The broadcast tables live in their own module; imported here so metadata holds them.
from bot.storage.broadcasts import (  # noqa: E402, F401
    Broadcast,
    BroadcastFeedback,
    BroadcastRecipient,
    BroadcastStatus,
    BroadcastText,
    SavedGroup,
    SavedGroupMember,
)

# The dashboard's tables live in a module of their own; importing it registers them.
from bot.storage.dashboard import AppSecret  # noqa: E402, F401

# The partner side lives in a module of its own; its tables are part of these models.
from bot.storage.escalations import OPEN as OPEN  # noqa: E402
from bot.storage.escalations import CoordinatorArea as CoordinatorArea  # noqa: E402
from bot.storage.escalations import Escalation as Escalation  # noqa: E402
from bot.storage.escalations import EscalationChange as EscalationChange  # noqa: E402
from bot.storage.escalations import EscalationStatus as EscalationStatus  # noqa: E402
from bot.storage.escalations import Partner as Partner  # noqa: E402
from bot.storage.escalations import PartnerArea as PartnerArea  # noqa: E402
from bot.storage.escalations import PartnerCategory as PartnerCategory  # noqa: E402
from bot.storage.links import UsedLink  # noqa: E402, F401
