"""People: their profile as the engine sees it, and the changes their flows make."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import permissions
from bot.storage.models import Identity, Partner, Person, Role, Status
from flows.conversation import Profile


def profile(person: Person | None, partner: Partner | None = None) -> Profile | None:
    """The person as the engine sees them; ``partner``: a partner contact's organisation
    (partners.of_contact), whose state decides the menu they have."""
    if person is None or person.status == Status.ERASED:
        return None
    return Profile(
        person_id=person.id,
        role=permissions.chat_role(person, partner),
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


async def chat_menus(session: AsyncSession, channel: str) -> dict[str, tuple[str, str]]:
    """(the role whose menu they have, their language) by address on ``channel``, for
    everyone whose menu is not a champion's: coordinators and partners' contacts (a removed
    partner's too, who now have a former partner's)."""
    found = (await session.execute(
        select(Person, Identity.address).join(Identity, Identity.person_id == Person.id)
        .where(Identity.channel == channel, Person.role != Role.CHAMPION,
               Person.status != Status.ERASED)
        .order_by(Identity.id))).all()
    organisations = {p.id: p for p in await session.scalars(select(Partner))} if any(
        person.role is Role.PARTNER for person, _address in found) else {}
    return {str(address): (permissions.chat_role(person, organisations.get(
                person.partner_id or 0)), person.language)
            for person, address in found}
