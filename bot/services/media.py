"""Housekeeping for kept files: retention, orphans, and fetches that were given up on."""

from __future__ import annotations

from datetime import datetime

from bot.services import attachments, identities, outbox
from bot.services.media_store import FolderStore, MediaStore
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import Role
from flows.i18n import _, language, number
from flows.types import Reply

# A file younger than this may be on its way to being recorded: the sweep leaves it.
SWEEP_GRACE_SECONDS = 600.0


def store(settings: Settings) -> MediaStore:
    return FolderStore(settings.media_dir)


def delete_files(media: MediaStore, names: list[str]) -> None:
    for name in names:
        media.delete(name)


async def sweep(database: Database, media: MediaStore) -> int:
    """Delete files no attachment points to (left by a crash or an interrupted erasure)."""
    async with database.transaction() as session:
        kept = await attachments.referenced(session)
    orphans = [name for name in media.names(older_than=SWEEP_GRACE_SECONDS)
               if name not in kept]
    delete_files(media, orphans)
    return len(orphans)


async def expire(database: Database, media: MediaStore, now: datetime, days: int) -> int:
    """Delete the files of concerns resolved or closed more than ``days`` ago."""
    async with database.transaction() as session:
        names = await attachments.past_retention(session, now, days)
    delete_files(media, names)
    return len(names)


async def report_failures(database: Database, now: datetime) -> int:
    """Tell coordinators how many attachments could not be fetched since the last report."""
    async with database.transaction() as session:
        count = await attachments.unreported_failures(session, now)
        if not count:
            return 0
        for person, identity in await identities.of_people(session, role=Role.COORDINATOR):
            with language(person.language):
                text = _("Photos or voice notes sent with concerns that could not be fetched: "
                         "{count}. The concerns themselves are saved.", count=number(count))
            outbox.enqueue(session, channel=identity.channel, address=identity.address,
                           reply=Reply(text, language=person.language), now=now,
                           kind="failure_report", person_id=person.id)
    return count
