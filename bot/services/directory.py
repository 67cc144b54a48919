"""What coordinators see and do about people from the command line."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from bot.services import audit, outbox, privacy
from bot.storage.models import Area, Identity, Person, Status
from flows.commands import first_word
from flows.i18n import _, language
from flows.types import Reply


async def listing(app: App) -> list[str]:
    async with app.database.transaction() as session:
        rows = (await session.execute(
            select(Person, Area.name).outerjoin(Area, Area.id == Person.area_id)
            .where(Person.status != Status.ERASED).order_by(Person.id))).all()
        channels: dict[int, list[str]] = {}
        for identity in await session.scalars(select(Identity).where(
                Identity.person_id.is_not(None))):
            channels.setdefault(identity.person_id or 0, []).append(identity.channel)
    lines = [f"{'id':>5}  {'role':<12}{'status':<10}{'language':<9}{'area':<20}channels  name"]
    for person, area in rows:
        lines.append(
            f"{person.id:>5}  {person.role.value:<12}{person.status.value:<10}"
            f"{person.language:<9}{(area or '-')[:19]:<20}"
            f"{','.join(channels.get(person.id, [])) or '-':<10}{person.display_name or ''}")
    return lines


async def approve(app: App, person_id: int) -> str:
    now = app.clock()
    async with app.database.transaction() as session:
        person = await session.get(Person, person_id)
        if person is None or person.status != Status.PENDING:
            raise LookupError(f"no one is waiting for approval with id {person_id}")
        person.status = Status.ACTIVE
        person.updated_at = now
        audit.record(session, "cli", "approved", person.id, now)
        with language(person.language):
            text = _("Good news: a coordinator has confirmed your place. Send {menu} to start.",
                     menu=first_word("menu"))
        for identity in await session.scalars(select(Identity).where(
                Identity.person_id == person.id, Identity.unreachable_at.is_(None))):
            outbox.enqueue(session, channel=identity.channel, address=identity.address,
                           reply=Reply(text, language=person.language), now=now,
                           kind="notice", person_id=person.id)
    app.outbox_ready.set()
    return f"approved {person_id}; they have been told"


async def forget(app: App, person_id: int) -> str:
    """Erase someone who asked a coordinator (not the bot) to forget them."""
    now = app.clock()
    async with app.database.transaction() as session:
        person = await session.get(Person, person_id)
        if person is None or person.status == Status.ERASED:
            raise LookupError(f"no one to erase with id {person_id}")
        await privacy.erase_person(session, person, now, actor="cli")
    await app.database.checkpoint()  # SQLite: the erased text leaves the -wal file too
    return f"erased {person_id}: name, contact details and free text are gone; counts remain"
