"""The programme's areas, imported from a spreadsheet (CSV), and the (id, name) list every
turn reads: kept in memory until an area changes (see bot/services/kept.py)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.kept import Kept
from bot.storage.models import Area

_NAMES = select(Area.id, Area.name).order_by(Area.name)


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


async def _names(session: AsyncSession) -> tuple[tuple[int, str], ...]:
    return tuple((id_, name) for id_, name in (await session.execute(_NAMES)).all())


_kept = Kept((Area,), _names)


async def names(session: AsyncSession) -> tuple[tuple[int, str], ...]:
    """Every area's (id, name), by name: from memory unless an area changed."""
    return await _kept.get(session)
