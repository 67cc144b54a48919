"""The audit log: what was done to a person's data, and by whom."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import AuditEntry


def record(session: AsyncSession, actor: str, action: str, person_id: int | None,
           now: datetime, **detail: Any) -> None:
    session.add(AuditEntry(actor=actor, action=action, person_id=person_id, detail=detail,
                           created_at=now))
