"""The database a measurement runs on: PostgreSQL from BENCH_DATABASE_URL (the database is
created if missing and wiped before each measurement), else a new SQLite file."""

from __future__ import annotations

import os
import platform
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import App
from bot.services import demo
from bot.settings import load_settings
from bot.storage.database import Database

VARIABLE = "BENCH_DATABASE_URL"


def postgres_url() -> str | None:
    url = os.environ.get(VARIABLE)
    if not url:
        return None
    return load_settings({"DATABASE_URL": url}, env_file=None).database_url


async def fresh(folder: Path, name: str) -> str:
    """An empty database at the current schema, with the demo programme loaded."""
    url = postgres_url()
    if url is None:
        url = _new_sqlite(folder / f"{name}.db")
    else:
        await _wipe(url)
    database = Database(url)
    try:
        await database.upgrade()
    finally:
        await database.close()
    return url


def _new_sqlite(path: Path) -> str:
    for old in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        old.unlink(missing_ok=True)
    return f"sqlite+aiosqlite:///{path}"


async def _wipe(url: str) -> None:
    parsed = make_url(url)
    server = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with server.connect() as connection:
            found = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": parsed.database})
            if not found:
                await connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        await server.dispose()
    engine = create_async_engine(parsed, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def open_app(url: str, now: datetime, **environ: str) -> App:
    settings = load_settings({"DATABASE_URL": url, **environ}, env_file=None)
    database = Database(settings.database_url)
    await demo.load(database, now)
    return App(settings, database)


async def machine() -> dict[str, Any]:
    found: dict[str, Any] = {
        "cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)),
        "python": platform.python_version(), "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version, "postgresql": None,
        "database": "postgresql" if postgres_url() else "sqlite",
        # Other work on a shared machine disturbs absolute figures (ratios less so).
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    url = postgres_url()
    if url is not None:
        engine = create_async_engine(make_url(url).set(database="postgres"))
        try:
            async with engine.connect() as connection:
                found["postgresql"] = await connection.scalar(text("SHOW server_version"))
        finally:
            await engine.dispose()
    return found
