"""`champbot db backup|restore` on SQLite: erased people stay erased.

A restore brings back everyone the backup held, including people who asked to be
forgotten after it was taken. The audit log of the database being replaced says
who (a person id and a time, nothing else): each of them is erased again in the
restored copy before anyone can use it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from bot.services.privacy import erase_person
from bot.storage import backups
from bot.storage.database import Database
from bot.storage.models import AuditEntry, Person, Status


@dataclass(frozen=True)
class Restored:
    revision: str
    erased_again: int


def sqlite_path(database: Database) -> Path:
    if not database.is_sqlite or not database.url.database or \
            database.url.database == ":memory:":
        raise backups.BadBackup(
            "champbot: db backup and restore are for SQLite; on PostgreSQL use pg_dump and "
            "pg_restore (see the README)")
    return Path(database.url.database).expanduser()


async def backup(database: Database, target: Path) -> None:
    await asyncio.to_thread(backups.backup, sqlite_path(database), target)


async def erasures(database: Database) -> list[tuple[int, datetime]]:
    """Who was erased, and when, as the live database's audit log says (none if it has none)."""
    try:
        async with database.transaction() as session:
            found = await session.execute(
                select(AuditEntry.person_id, AuditEntry.created_at)
                .where(AuditEntry.action == "erased", AuditEntry.person_id.is_not(None))
                .order_by(AuditEntry.id))
            return [(person_id, when) for person_id, when in found.all()
                    if person_id is not None]
    except Exception:  # a new, empty or broken live database: nothing recorded there
        return []


async def restore(database: Database, backup_file: Path) -> Restored:
    """Check the backup, put it in place, bring its schema up to date, erase again whoever
    was erased since. The bot must be stopped while this runs."""
    live = sqlite_path(database)
    revision = await asyncio.to_thread(backups.check, backup_file)
    erased = await erasures(database)
    await database.close()  # no connection of ours may hold the old content
    await asyncio.to_thread(backups.copy_over, backup_file, live)
    await database.upgrade()
    again = 0
    async with database.transaction() as session:
        for person_id, when in erased:
            person = await session.get(Person, person_id)
            if person is not None and person.status != Status.ERASED:
                await erase_person(session, person, when, actor="restore")
                again += 1
    return Restored(revision, again)
