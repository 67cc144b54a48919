"""SQLite on the event loop's own thread, for short transactions.

SQLAlchemy's asyncio SQLite driver (aiosqlite) runs each call on a thread of its own
and hands the answer back through the event loop: creating a cursor, executing,
fetching and closing are each a round trip between threads. Measured here, one small
statement costs about 0.4 ms that way against 0.02 ms called directly, so a turn's
handful of statements spent most of its time in the hand-over, not in SQLite.

This module is a connection with aiosqlite's interface whose calls run at once, on the
calling thread. It is for transactions of a few small statements (a turn, a claim, a
delivery status): each call blocks the event loop for the few microseconds SQLite takes.
Bulk work (a broadcast's fan-out, reports, exports) keeps aiosqlite, so the loop goes on
serving while it runs. A lock held by another process is never waited for here (the busy
timeout is short): ``Database`` waits for it without blocking, then tries again.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

# Long enough for SQLite's own brief locks (a checkpoint, a reader's snapshot); a
# writer in another process is waited for by Database, off the loop.
BUSY_TIMEOUT_MS = 20


class Cursor:
    """aiosqlite's cursor interface over a sqlite3 cursor, each call completed at once."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()
                      ) -> Cursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *_sizes: Any) -> None:
        return None

    async def nextset(self) -> None:
        return None

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _RunNow:
    """Stands in for aiosqlite's queue of calls for its thread: SQLAlchemy sets the
    isolation level by putting (future, function) on it; here the function runs now."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # handed to whoever awaits the future
            future.set_exception(error)


class Connection:
    """aiosqlite's connection interface (what SQLAlchemy's aiosqlite dialect uses) over a
    sqlite3 connection used on the event loop's thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection
        self._tx = _RunNow()

    def cursor(self) -> Cursor:
        return Cursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()
                      ) -> Cursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Ends the connection at once (SQLAlchemy's terminate)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    async def create_function(self, name: str, arity: int, function: Callable[..., Any],
                              deterministic: bool = False) -> None:
        self._conn.create_function(name, arity, function, deterministic=deterministic)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction


def connector(path: str) -> Callable[[], Any]:
    """An ``async_creator`` for SQLAlchemy: a new connection to the SQLite file at path."""
    async def connect() -> Connection:
        # check_same_thread off: the pool may close a connection from another thread
        # at exit; every statement still runs on the event loop's thread.
        # Its pragmas (BUSY_TIMEOUT_MS among them) are set by Database on connect.
        return Connection(sqlite3.connect(path, check_same_thread=False))
    return connect
