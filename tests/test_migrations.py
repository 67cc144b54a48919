"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from bot.storage.database import Database, alembic_config
from bot.storage.models import Base


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        assert await database.revision() == Database.head()
    finally:
        await database.close()


async def test_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'round.db'}")
    try:
        await database.upgrade()
        async with database.engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "base"))
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            assert tables == ["alembic_version"]
        await database.upgrade()
        assert await database.revision() == Database.head()
    finally:
        await database.close()


async def test_a_new_sqlite_database_is_migrated_on_first_use(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'deep' / 'new.db'}")
    try:
        await database.ensure_schema()
        assert await database.revision() == Database.head()
    finally:
        await database.close()
