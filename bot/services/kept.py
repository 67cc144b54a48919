"""What turns read all the time and people rarely change (the areas, the library of health
messages), kept in memory per database.

Any change made through a session of this process (ORM objects, or an INSERT, UPDATE or
DELETE on one of the tables a value is read from) empties that value when the session
commits; a change made by another process (a CLI import while the bot runs) is seen
within ``FRESH_SECONDS``. A read that raced a change is used once but not kept.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from bot.storage.base import written_table

T = TypeVar("T")
FRESH_SECONDS = 30.0
_CHANGED = "kept_changed"


class _Copy(Generic[T]):
    def __init__(self) -> None:
        self.version = 0  # bumped by every change, so a read that raced one is not kept
        self.value: T | None = None
        self.read_at = 0.0


class Kept(Generic[T]):
    """``load``'s answer, read again only after a change to one of ``tables``."""

    def __init__(self, tables: tuple[type[Any], ...],
                 load: Callable[[AsyncSession], Awaitable[T]]) -> None:
        self.tables = frozenset(t.__tablename__ for t in tables)
        self.models = tables
        self.load = load
        # One copy per database (its URL: a handle's engines, and any two handles on
        # the same database, share it, and so see each other's changes at once).
        self._copies: dict[URL, _Copy[T]] = {}
        _ALL.append(self)

    def _copy(self, bind: Any) -> _Copy[T]:
        url = (bind.engine if hasattr(bind, "engine") else bind).url
        found = self._copies.get(url)
        if found is None:
            found = self._copies[url] = _Copy()
        return found

    async def get(self, session: AsyncSession) -> T:
        copy = self._copy(session.get_bind())
        now = time.monotonic()
        if copy.value is not None and now - copy.read_at < FRESH_SECONDS:
            return copy.value
        version = copy.version
        value = await self.load(session)
        if version == copy.version:
            copy.value, copy.read_at = value, now
        return value

    def forget(self, bind: Any) -> None:
        """Read it from the database next time."""
        copy = self._copy(bind)
        copy.version += 1
        copy.value = None


_ALL: list[Kept[Any]] = []


def _mark(session: Session, kept: Kept[Any]) -> None:
    session.info.setdefault(_CHANGED, set()).add(id(kept))


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, flush: UOWTransaction) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    for kept in _ALL:
        if any(isinstance(o, kept.models) for o in changed):
            _mark(session, kept)


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    name = written_table(state)
    if name is None:
        return
    for kept in _ALL:
        if name in kept.tables:
            _mark(state.session, kept)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    changed = session.info.pop(_CHANGED, ())
    for kept in _ALL:
        if id(kept) in changed:
            kept.forget(session.get_bind())


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_CHANGED, None)
