"""The database handle: one engine, transactions, and the schema brought up to date."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.storage import (
    inline_sqlite,
    totals,  # noqa: F401  (keeps the totals tables exact)
)

log = logging.getLogger(__name__)

# The migrations ship inside the package (bot/data/alembic links to the top-level alembic/).
MIGRATIONS = files("bot") / "data" / "alembic"
RECYCLE_SECONDS = 600  # well under the usual idle timeouts of servers and firewalls
# On PostgreSQL no statement is waited for longer than this: a query whose answer never
# comes (a connection silently gone, a lock never released) raises instead of stalling
# the dispatcher or a turn for ever; every caller retries or apologises.
COMMAND_TIMEOUT_SECONDS = 120


BUSY_WAIT_MS = 30_000  # SQLite: how long a write waits for another process's (a CLI command)


class SchemaOutOfDate(Exception):
    pass


def insert_for(session: AsyncSession) -> Callable[..., Any]:
    """PostgreSQL's or SQLite's INSERT, both of which can do ON CONFLICT."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def is_busy(error: Exception) -> bool:
    """SQLite gave up waiting for another writer: the whole transaction can be tried again."""
    return isinstance(error, OperationalError) and "database is locked" in str(error)


def is_disconnect(error: Exception) -> bool:
    """The connection was dropped under us (the server restarted, the connection was ended):
    the transaction was rolled back with it, the pool has let that connection go, and the
    whole transaction can be tried again on a new one."""
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's settings from the package, not alembic.ini: it works wherever champbot is
    installed (alembic.ini at the top of a checkout is for developers running `alembic`)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # How long a statement waits for another process's write (a CLI command).
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA secure_delete=ON")  # erased text is overwritten in pages
        cursor.close()
    return pragmas


class _SQLiteCompiler(SQLiteCompiler):
    """SQLite's statement compiler, with table hints: SQLAlchemy's leaves them out, and
    SQLite has one, ``INDEXED BY``, written after the table's name (the claims use it)."""

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


def _sqlite_engine(engine: AsyncEngine, busy_timeout_ms: int) -> AsyncEngine:
    """A SQLite engine as champbot uses it: its pragmas on each connection, transactions
    begun as ``_sqlite_begin`` says, table hints rendered."""
    engine.sync_engine.dialect.statement_compiler = _SQLiteCompiler
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_timeout_ms))
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


# PostgreSQL: connections per process, opened as they are needed and then kept. One
# opened and closed again (SQLAlchemy's default keeps 5 and closes the rest when they
# come back) costs more than the turns it serves, so enough are kept for the turns in
# flight: 50 people writing at once measured 0.5× as fast with 5 kept, and 0.85–0.9× with
# 20 kept and 10 more opened as needed. Beyond 50, work waits for a connection to come
# back (up to 30 s): a turn holds one at a time, so turns never wait on each other's
# second. The connection used last is handed out first (LIFO):
# its server process is warm, and the rest can go idle (measured 1.3–1.4× the turns at
# 1 and 8 people than handing them out in turn).
POOL_SIZE = 50
POOL_OVERFLOW = 0

READ_ONLY = "champbot_read_only"  # an execution option: see Database.reading()


def _sqlite_begin(connection: Connection) -> None:
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")  # reads a snapshot beside the writer (WAL)
        return
    # Take the write lock up front: no deadlock when two transactions upgrade.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    def __init__(self, url: str, echo: bool = False, pool_size: int = POOL_SIZE) -> None:
        self.url = make_url(url)
        if (self.is_sqlite and self.url.database and self.url.database != ":memory:"
                and not self.url.database.startswith("file:")):  # a URI names its own place
            Path(self.url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # No pre-ping (a round trip before every transaction): connections are renewed
        # before servers or firewalls drop idle ones, and a turn that meets a dropped
        # connection anyway is run again (``is_disconnect``).
        connect_args = ({"command_timeout": COMMAND_TIMEOUT_SECONDS}
                        if self.url.get_driver_name() == "asyncpg" else {})
        self.engine: AsyncEngine = create_async_engine(
            self.url, echo=echo, pool_recycle=RECYCLE_SECONDS, connect_args=connect_args,
            hide_parameters=True,  # never in logs
            **({} if self.is_sqlite else {"pool_size": pool_size, "max_overflow": POOL_OVERFLOW,
                                          "pool_use_lifo": True}))
        if self.is_sqlite:
            _sqlite_engine(self.engine, BUSY_WAIT_MS)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.readers = async_sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
        # Short transactions on a SQLite file run on the event loop's thread (see
        # inline_sqlite); elsewhere they are transactions like any other. A plain file
        # only: a URL with options (``uri=true``, a shared in-memory database) is opened
        # by aiosqlite alone, as it asks.
        self._short_engine: AsyncEngine | None = None
        if (self.is_sqlite and self.url.database and self.url.database != ":memory:"
                and not self.url.query):
            self._short_engine = _sqlite_engine(create_async_engine(
                self.url, async_creator=inline_sqlite.connector(
                    str(Path(self.url.database).expanduser())),
                pool_recycle=RECYCLE_SECONDS, hide_parameters=True),
                inline_sqlite.BUSY_TIMEOUT_MS)
            self._short_sessions = async_sessionmaker(self._short_engine,
                                                      expire_on_commit=False)
            self._short_readers = async_sessionmaker(
                self._short_engine.execution_options(**{READ_ONLY: True}),
                expire_on_commit=False)
        # PostgreSQL with asyncpg: the same pool, every statement committed on its own
        # (no BEGIN, no COMMIT), for turns that read, then write all they change in one
        # statement (bot.storage.turn_commit). None elsewhere.
        self.autocommit: AsyncEngine | None = None
        if self.url.get_driver_name() == "asyncpg":
            self.autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._queue: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None
        self._writing: asyncio.Task[Any] | None = None

    @property
    def engines(self) -> tuple[AsyncEngine, ...]:
        """Every engine this handle opens connections with (to listen to all of them)."""
        return (self.engine,) + ((self._short_engine,) if self._short_engine else ())

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    @asynccontextmanager
    async def transaction(self, short: bool = False) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed on success, rolled back on any error.

        ``short``: a few small statements (a turn, a claim, a delivery status). On a
        SQLite file they run on the event loop's thread, without a hand-over to a driver
        thread per call; bulk work leaves it False so the loop keeps serving meanwhile."""
        if not short or self._short_engine is None:
            async with self._writer(), self.sessions.begin() as session:
                yield session
            return
        async with self._writer(), self._short(self._short_sessions) as session:
            yield session

    @asynccontextmanager
    async def reading(self, short: bool = False) -> AsyncIterator[AsyncSession]:
        """A transaction that only reads. On SQLite it neither waits for this process's
        writer nor takes the write lock: it reads a consistent snapshot while a turn
        writes. On PostgreSQL it is a transaction like any other. ``short``: as for
        ``transaction``."""
        if not self.is_sqlite:
            async with self.transaction() as session:
                yield session
            return
        if not short or self._short_engine is None:
            async with self.readers.begin() as session:
                yield session
            return
        async with self._short(self._short_readers) as session:
            yield session

    @asynccontextmanager
    async def _short(self, sessions: async_sessionmaker[AsyncSession]
                     ) -> AsyncIterator[AsyncSession]:
        """A short transaction's session: begun, then committed if the block ends well
        and rolled back if not."""
        session = await self._begun(sessions)
        async with session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()

    @staticmethod
    async def _begun(sessions: async_sessionmaker[AsyncSession]) -> AsyncSession:
        """A session whose SQLite transaction has begun. The write lock another process
        holds is waited for here, asleep, so the event loop serves others meanwhile
        (the connection itself gives up after a few milliseconds)."""
        waited, pause = 0.0, 0.002
        while True:
            session = sessions()
            try:
                await session.connection()  # BEGIN (IMMEDIATE, for a writer)
                return session
            except OperationalError as error:
                await session.close()
                if not is_busy(error) or waited >= BUSY_WAIT_MS / 1000:
                    raise
            await asyncio.sleep(pause)
            waited += pause + inline_sqlite.BUSY_TIMEOUT_MS / 1000
            pause = min(pause * 2, 0.1)

    @asynccontextmanager
    async def _writer(self) -> AsyncIterator[None]:
        """SQLite lets one transaction write at a time (BEGIN IMMEDIATE). Transactions of
        this process queue for it here, each woken the moment the one before commits,
        instead of in SQLite's busy handler, which sleeps and polls. Other processes
        still meet the busy handler. A transaction opened inside another by the same
        task is let through (it meets SQLite's lock, as before)."""
        task = asyncio.current_task()
        if not self.is_sqlite or task is None or self._writing is task:
            yield
            return
        loop = asyncio.get_running_loop()
        if self._queue is None or self._queue[0] is not loop:
            self._queue = (loop, asyncio.Lock())
        async with self._queue[1]:
            self._writing = task
            try:
                yield
            finally:
                self._writing = None

    async def close(self) -> None:
        if self._short_engine is not None:
            await self._short_engine.dispose()
        await self.engine.dispose()

    async def session_connection(self) -> AsyncConnection:
        """A connection of its own for what lives as long as a PostgreSQL session (an
        advisory lock, a LISTEN): autocommit, so nothing belongs to a transaction.
        Give it back with ``let_go``, never to the pool."""
        connection = await self.engine.connect()
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection

    @staticmethod
    async def let_go(connection: AsyncConnection) -> None:
        """Close a session connection, invalidated so what it held goes with it."""
        await connection.invalidate()
        await connection.close()

    async def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database file and empty it, so text
        just erased is not left in the ``-wal`` file. Nothing to do on PostgreSQL."""
        if not self.is_sqlite:
            return
        async with self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = (await cursor.fetchone() or (0,))[0]
            await cursor.close()
        if busy:
            log.warning("the WAL checkpoint after an erasure could not finish; "
                        "SQLite completes it at its next checkpoint")

    async def revision(self) -> str | None:
        async with self.engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )

    @staticmethod
    def head() -> str | None:
        return ScriptDirectory.from_config(alembic_config()).get_current_head()

    async def upgrade(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(
                lambda sync: command.upgrade(alembic_config(sync), "head")
            )

    async def ensure_schema(self) -> None:
        """SQLite is brought up to date on first use; PostgreSQL must be upgraded on purpose."""
        if await self.revision() == self.head():
            return
        if self.is_sqlite:
            log.info("bringing the SQLite database up to date")
            await self.upgrade()
            return
        raise SchemaOutOfDate(
            "champbot: the database schema is not up to date: run `champbot db upgrade`"
        )
