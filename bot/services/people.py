"""People: their profile as the engine sees it, and the changes their flows make."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Person, Status
from flows.conversation import Profile


def profile(person: Person | None) -> Profile | None:
    if person is None or person.status == Status.ERASED:
        return None
    return Profile(
        person_id=person.id,
        role=person.role.value,
        status=person.status.value,
        language=person.language,
        name=person.display_name,
        area=str(person.area_id) if person.area_id else None,
        topics=tuple(person.topics or ()),
    )


def area_id(answer: object) -> int | None:
    """An area answer ("12", or "elsewhere") as an area id."""
    return int(answer) if isinstance(answer, str) and answer.isdigit() else None


async def get(session: AsyncSession, person_id: int | None) -> Person | None:
    return await session.get(Person, person_id) if person_id else None
