"""The audit log: who did what to whose data, newest first, a page at a time."""

from __future__ import annotations

from sqlalchemy import func, select
from starlette.responses import Response

from bot.dashboard.pages import Visit
from bot.services.roster import PAGE_SIZE, Page
from bot.storage.models import AuditEntry


async def show(visit: Visit) -> Response:
    total = int(await visit.db.scalar(select(func.count(AuditEntry.id))) or 0)
    number = max(1, min(visit.number("page"), max(1, -(-total // PAGE_SIZE))))
    entries = await visit.db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())
                                     .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE))
    return visit.page("audit.html", "audit", page=Page(tuple(entries), number, total))
