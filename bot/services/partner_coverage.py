"""Which category × area combinations some partner covers, and which none does: the
same question routing asks (``partners.matching``), asked for every cell at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import partners
from bot.storage.models import Area, Partner
from flows.definitions.concern import CATEGORIES


@dataclass(frozen=True)
class PartnerRow:
    partner: Partner
    categories: list[str]
    areas: list[Area]  # every area when the partner covers all


@dataclass
class Coverage:
    categories: list[str]  # category ids, in the chat's order
    areas: list[Area]
    # (category, area id) → the names of the partners covering it; missing: nobody
    cells: dict[tuple[str, int], list[str]] = field(default_factory=dict)

    def names(self, category: str, area_id: int) -> list[str]:
        return self.cells.get((category, area_id), [])

    @property
    def gaps(self) -> int:
        return sum(1 for c in self.categories for a in self.areas if not self.names(c, a.id))


async def rows(session: AsyncSession) -> list[PartnerRow]:
    """Every active partner with what it handles and where."""
    return [PartnerRow(p, await partners.categories_of(session, p.id),
                       await partners.areas_of(session, p))
            for p in await partners.active(session)]


async def coverage(session: AsyncSession, found: list[PartnerRow] | None = None) -> Coverage:
    found = await rows(session) if found is None else found
    result = Coverage([o.id for o in CATEGORIES],
                      list(await session.scalars(select(Area).order_by(Area.name))))
    for row in found:
        for category in row.categories:
            for area in row.areas:
                result.cells.setdefault((category, area.id), []).append(row.partner.name)
    return result
