"""What coordinators see and do about people from the command line."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from bot.services import coordinators, media, permissions, privacy, roster
from bot.storage.models import Area, Identity, Person, Role, Status


def _area(person: Person, area: str | None, coverage: dict[int, list[str]]) -> str:
    """The area column: a champion's area; a coordinator's coverage, the areas they hear
    of (given with `people edit`; none is every area), in full; a partner's contact has
    none (their organisation's areas decide what reaches them)."""
    if person.role is Role.COORDINATOR:
        return ", ".join(coverage.get(person.id, [])) or "all areas"
    if person.role is Role.PARTNER:
        return "-"
    return (area or "-")[:19]


async def listing(app: App) -> list[str]:
    async with app.database.transaction() as session:
        rows = (await session.execute(
            select(Person, Area.name).outerjoin(Area, Area.id == Person.area_id)
            .where(Person.status != Status.ERASED).order_by(Person.id))).all()
        channels: dict[int, list[str]] = {}
        for identity in await session.scalars(select(Identity).where(
                Identity.person_id.is_not(None))):
            channels.setdefault(identity.person_id or 0, []).append(identity.channel)
        coverage = await coordinators.coverage(session)
    lines = [f"{'id':>5}  {'role':<12}{'status':<10}{'language':<9}{'area':<20}channels  name"]
    for person, area in rows:
        lines.append(
            f"{person.id:>5}  {person.role.value:<12}{person.status.value:<10}"
            f"{person.language:<9}{_area(person, area, coverage):<19} "
            f"{','.join(channels.get(person.id, [])) or '-':<10}{person.display_name or ''}")
    return lines


async def approve(app: App, person_id: int) -> str:
    """The same approval as the dashboard's button (roster.approve), as the operator."""
    async with app.database.transaction() as session:
        await roster.approve(session, permissions.OPERATOR, person_id, app.clock())
    app.outbox_ready.set()
    return f"approved {person_id}; they have been told"


async def forget(app: App, person_id: int) -> str:
    """Erase someone who asked a coordinator (not the bot) to forget them."""
    now = app.clock()
    async with app.database.transaction() as session:
        person = await session.get(Person, person_id)
        if person is None or person.status == Status.ERASED:
            raise LookupError(f"no one to erase with id {person_id}")
        await privacy.erase_person(session, person, now, actor="cli",
                                   files=media.store(app.settings))
    await app.database.checkpoint()  # SQLite: the erased text leaves the -wal file too
    return f"erased {person_id}: name, contact details and free text are gone; counts remain"
