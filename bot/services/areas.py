"""The programme's areas, imported from a spreadsheet (CSV), and the list every turn reads.

Areas rarely change, so the (id, name) list the engine offers is kept in memory per
database. Any change made through a session of this process (ORM objects or an
INSERT/UPDATE/DELETE on ``areas``) empties it when that session commits; a change made by
another process (a CLI import while the bot runs) is seen within ``FRESH_SECONDS``.
"""

from __future__ import annotations

import csv
import io
import re
import time
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from bot.storage.models import Area

FRESH_SECONDS = 30.0
_NAMES = select(Area.id, Area.name).order_by(Area.name)
_CHANGED = "areas_changed"


class AreaFileError(ValueError):
    pass


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:40] or "area"


def read_csv(text: str) -> list[tuple[str, str]]:
    """(code, name) pairs from a CSV with a ``name`` column and an optional ``code`` column."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = {(f or "").strip().lower() for f in reader.fieldnames or ()}
    if "name" not in fields:
        raise AreaFileError(
            "the CSV needs a header row with a 'name' column (and optionally 'code')")
    rows: list[tuple[str, str]] = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        name = row.get("name", "")
        if not name:
            continue
        if len(name) > 120:
            raise AreaFileError(f"line {number}: the name is longer than 120 characters")
        rows.append((slug(row.get("code") or name), name))
    return rows


async def import_rows(
    session: AsyncSession, rows: list[tuple[str, str]], now: datetime,
    done: Callable[[], None] = lambda: None,
) -> tuple[int, int]:
    """Add new areas and rename existing ones (matched by code); returns (added, updated).
    ``done`` is called for each row (for a progress bar)."""
    added = updated = 0
    for code, name in rows:
        done()
        area = await session.scalar(select(Area).where(Area.code == code))
        if area is None:
            session.add(Area(code=code, name=name, created_at=now))
            added += 1
        elif area.name != name:
            area.name = name
            updated += 1
    await session.flush()
    return added, updated


async def all_areas(session: AsyncSession) -> list[Area]:
    return list(await session.scalars(select(Area).order_by(Area.name)))


class _Cached:
    def __init__(self) -> None:
        self.version = 0  # bumped by every change, so a read that raced one is not kept
        self.names: tuple[tuple[int, str], ...] | None = None
        self.read_at = 0.0


_caches: weakref.WeakKeyDictionary[Engine, _Cached] = weakref.WeakKeyDictionary()


def _cache(bind: Any) -> _Cached:
    engine = bind.engine if hasattr(bind, "engine") else bind
    found = _caches.get(engine)
    if found is None:
        found = _caches[engine] = _Cached()
    return found


async def names(session: AsyncSession) -> tuple[tuple[int, str], ...]:
    """Every area's (id, name), by name: from memory unless an area changed."""
    cache = _cache(session.get_bind())
    now = time.monotonic()
    if cache.names is not None and now - cache.read_at < FRESH_SECONDS:
        return cache.names
    version = cache.version
    found = tuple((id_, name) for id_, name in (await session.execute(_NAMES)).all())
    if version == cache.version:
        cache.names, cache.read_at = found, now
    return found


def forget(bind: Any) -> None:
    """Read the areas from the database next time."""
    cache = _cache(bind)
    cache.version += 1
    cache.names = None


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, flush: UOWTransaction) -> None:
    if any(isinstance(o, Area) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    table = getattr(state.statement, "table", None)
    if (state.is_insert or state.is_update or state.is_delete) and getattr(
            table, "name", None) == Area.__tablename__:
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        forget(session.get_bind())

