"""`champbot db`: the database."""

from __future__ import annotations

import asyncio

import typer

from bot.cli.common import group, settings
from bot.storage.database import Database

db_cli = group("db", "The database: bring its schema up to date.")


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

    typer.echo(f"database is at revision {asyncio.run(main())}")
