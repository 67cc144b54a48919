"""Migrations, run either by ``champbot db upgrade`` (a connection is passed in) or the CLI."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from bot.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs ALTER TABLE done as copy-and-move
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_cli() -> None:
    from bot.settings import load_settings
    from bot.storage.database import Database

    database = Database(load_settings().database_url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(run_with)
    finally:
        await database.close()


given = config.attributes.get("connection")
if given is not None:
    # Called from inside a running event loop: asyncio.run() is not allowed here.
    run_with(given)
elif context.is_offline_mode():
    raise SystemExit("champbot migrations run online only: use `champbot db upgrade`")
else:
    if config.config_file_name:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    asyncio.run(run_from_cli())
