"""Fixtures: a migrated database per test (SQLite by default, PostgreSQL with
TEST_DATABASE_URL), a fake clock, and the application wired to both."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import App
from bot.services import demo
from bot.settings import Settings, load_settings
from bot.storage.database import Database
from bot.storage.models import Base
from tests.support import log_privacy
from tests.support.clock import FakeClock


def _postgres_url() -> str | None:
    """TEST_DATABASE_URL, or under pytest-xdist a database of this worker's own beside it."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base = make_url(url)
    return base.set(database=f"{base.database}_{worker}").render_as_string(hide_password=False)


POSTGRES_URL = _postgres_url()


async def _create_database(url: str) -> None:
    wanted = make_url(url)
    admin = create_async_engine(wanted.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            found = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": wanted.database})
            if not found:
                await connection.execute(text(f'CREATE DATABASE "{wanted.database}"'))
    finally:
        await admin.dispose()


async def empty_postgres(url: str, upgrade: bool = False) -> None:
    """The PostgreSQL database at ``url``, created if missing, with nothing in it (or, with
    ``upgrade``, the schema and nothing else)."""
    await _create_database(url)
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        if upgrade:
            await database.upgrade()
    finally:
        await database.close()


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await database.upgrade()
    finally:
        await database.close()


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database at the head revision: a template file for SQLite, or the PostgreSQL URL."""
    if POSTGRES_URL:
        asyncio.run(empty_postgres(POSTGRES_URL, upgrade=True))
        return POSTGRES_URL
    template = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{template}"))
    return str(template)


# Every table emptied and every id counting from 1 again, in one statement. DELETE, not
# TRUNCATE: on tables this small TRUNCATE's fixed cost per table (a new file for each)
# made it several times slower, and it is paid before every test of the PostgreSQL run.
EMPTY_POSTGRES = f"""DO $$
DECLARE s regclass;
BEGIN
  {" ".join(f'DELETE FROM "{t.name}";' for t in reversed(Base.metadata.sorted_tables))}
  FOR s IN SELECT c.oid FROM pg_class c
           WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace LOOP
    EXECUTE format('ALTER SEQUENCE %s RESTART', s);
  END LOOP;
END $$"""


@pytest.fixture
async def database_url(migrated: str, tmp_path: Path) -> str:
    if POSTGRES_URL:
        database = Database(POSTGRES_URL)
        try:
            async with database.engine.begin() as connection:
                # A test whose task was cancelled inside a query can leave that connection
                # open and idle in its transaction, holding locks until garbage collection
                # closes the socket; emptying the tables would wait for it forever. Between tests
                # nothing else may use this worker's database, so any other session ends.
                await connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
                await connection.execute(text("SET LOCAL lock_timeout = '60s'"))
                await connection.execute(text(EMPTY_POSTGRES))
        finally:
            await database.close()
        return POSTGRES_URL
    copy = tmp_path / "champbot.db"
    shutil.copyfile(migrated, copy)
    return f"sqlite+aiosqlite:///{copy}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def environ(database_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "PROGRAMME_NAME": "Riverside Health Champions"}


@pytest.fixture
def settings(environ: dict[str, str]) -> Settings:
    return load_settings(environ, env_file=None)


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    database = Database(settings.database_url)
    try:
        yield App(settings, database, clock)
    finally:
        await database.close()


@pytest.fixture
async def programme(app: App) -> demo.Demo:
    """The demo programme: five areas and the invite codes DEMO2026 / COORD2026."""
    return await demo.load(app.database, app.clock())


@pytest.fixture(autouse=True)
def logs_hold_nothing_personal() -> Iterator[None]:
    """Every test logs at DEBUG as production would; no line may name or quote anyone."""
    with log_privacy.capturing() as captured:
        yield
        found = log_privacy.leaks(captured.lines)
        assert not found, "personal data in the logs:\n" + "\n".join(found[:5])
