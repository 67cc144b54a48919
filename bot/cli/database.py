"""`champbot db`: the database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from sqlalchemy.exc import DBAPIError

from bot.cli.common import fail, group, settings, unreachable
from bot.storage.database import Database

db_cli = group("db", "The database: bring its schema up to date, back it up, restore it.")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date."""
    current = settings()

    async def main() -> str | None:
        database = Database(current.database_url)
        try:
            await database.upgrade()
            return await database.revision()
        finally:
            await database.close()

    try:
        revision = asyncio.run(main())
    except (OSError, DBAPIError) as error:
        raise fail(unreachable(current.database_url, error)) from None
    typer.echo(f"database is at revision {revision}")


@db_cli.command("backup")
def db_backup(
    file: Path = typer.Argument(..., help="Where to write the copy, e.g. champbot-backup.db."),
) -> None:
    """Copy the SQLite database to FILE, consistently, even while the bot runs."""
    from bot.services import backups
    from bot.storage.backups import BadBackup

    current = settings()

    async def main() -> None:
        database = Database(current.database_url)
        try:
            await backups.backup(database, file)
        finally:
            await database.close()

    try:
        asyncio.run(main())
    except BadBackup as error:
        raise fail(str(error)) from None
    typer.echo(f"backed up to {file}")


@db_cli.command("restore")
def db_restore(
    file: Path = typer.Argument(..., help="A copy made by `champbot db backup`."),
) -> None:
    """Replace the SQLite database with FILE (stop the bot first). The copy is checked
    first; people erased since it was taken are erased again."""
    from bot.services import backups
    from bot.storage.backups import BadBackup
    from bot.storage.running import InUse, held

    current = settings()

    async def main() -> backups.Restored:
        database = Database(current.database_url)
        try:
            return await backups.restore(database, file)
        finally:
            await database.close()

    try:
        with held(current.database_url, "restoring: its caches would disagree with the "
                  "restored database"):
            restored = asyncio.run(main())
    except (BadBackup, InUse) as error:
        raise fail(str(error)) from None
    typer.echo(f"restored {file} (schema revision {restored.revision}); "
               f"people erased again since the backup: {restored.erased_again}")
