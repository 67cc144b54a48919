"""Partner services, coordinators' areas, and escalations: a concern routed to a partner."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, text_enum


class Partner(Base):
    """A partner service (a GP practice, council housing, a food bank...)."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    all_areas: Mapped[bool] = mapped_column(default=False)
    emails: Mapped[list[Any]] = mapped_column(default=list)
    work_days: Mapped[str] = mapped_column(String(7), default="12345")  # ISO weekdays
    work_start: Mapped[str] = mapped_column(String(5), default="09:00")
    work_end: Mapped[str] = mapped_column(String(5), default="17:00")
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00")
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]
    # The last digest sent: the next is due at the first digest time after it.
    last_digest_at: Mapped[datetime | None]


class PartnerCategory(Base):
    __tablename__ = "partner_categories"

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(30), primary_key=True)


class PartnerArea(Base):
    __tablename__ = "partner_areas"

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True)


class CoordinatorArea(Base):
    """An area a coordinator looks after; a coordinator with none looks after all."""

    __tablename__ = "coordinator_areas"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True)


class EscalationStatus(enum.StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    NOT_FOR_US = "not_for_us"  # the partner sent it back to coordinators
    CLOSED = "closed"  # routed elsewhere, or closed by a coordinator


OPEN = (EscalationStatus.NEW, EscalationStatus.ACKNOWLEDGED, EscalationStatus.IN_PROGRESS)


class Escalation(Base):
    """A concern routed to a partner; with no partner it waits for a coordinator to route it."""

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_open", "status", "created_at"),
                      Index("ix_escalations_acknowledged", "acknowledged_at"),
                      # A partner's open ones (digests) among all it ever had.
                      Index("ix_escalations_partner_status", "partner_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(
        ForeignKey("concerns.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="SET NULL"), index=True)
    status: Mapped[EscalationStatus] = mapped_column(text_enum(EscalationStatus))
    urgent: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)  # the partner's note or reason
    changed_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    # Each follow-up is sent once, even across restarts.
    reminded_at: Mapped[datetime | None]
    coordinators_told_at: Mapped[datetime | None]
    digested_at: Mapped[datetime | None]  # in a digest (or alerted at once) already


class EscalationChange(Base):
    """One change to an escalation: what, who, when, and the note given."""

    __tablename__ = "escalation_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    status: Mapped[EscalationStatus] = mapped_column(text_enum(EscalationStatus))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime]
