"""People put straight into the database, for tests about what happens to them after."""

from __future__ import annotations

from bot.app import App
from bot.storage.models import Identity, Person, Role, Status


async def add_person(app: App, role: Role = Role.COORDINATOR, status: Status = Status.ACTIVE,
                     channel: str | None = "console", address: str = "carol") -> int:
    """A person (with an identity on ``channel``, unless None); returns their id."""
    now = app.clock()
    async with app.database.transaction() as session:
        person = Person(role=role, status=status, language="en", topics=[], created_at=now,
                        updated_at=now)
        session.add(person)
        await session.flush()
        if channel is not None:
            session.add(Identity(channel=channel, address=address, person_id=person.id,
                                 created_at=now))
        return person.id
