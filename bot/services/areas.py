"""The programme's areas, imported from a spreadsheet (CSV), and the (id, name) list every
turn reads: kept in memory until an area changes (see bot/services/kept.py).

An area has a name (in any script) and a short code a coordinator can type anywhere
(`--area CODE`): lower-case letters a-z, digits and dashes, made from the name (São
Paulo → sao-paulo) unless the spreadsheet gives one. A name with nothing to make a
code of (الحي العربي, 😀) gets ``area``, and a code already taken gets a number:
``area-2``, ``area-3``... Without a code a row is known by its name, so importing the
same file again changes nothing; to rename areas, give their codes.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.kept import Kept
from bot.storage.models import Area

_NAMES = select(Area.id, Area.name).order_by(Area.name)
MAX_CODE, MAX_NAME = 40, 120  # the columns


class AreaFileError(ValueError):
    """What is wrong with a file of areas: one "line N: ..." per problem."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Row(NamedTuple):
    code: str | None  # None: the area is known by its name
    name: str
    line: int = 0  # in the file, for saying what is wrong


# Latin letters that are not a base letter and an accent, as people write them without.
_PLAIN = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i",
                        "ŧ": "t", "æ": "ae", "œ": "oe", "þ": "th", "ß": "ss"})


def _code(text: str) -> str:
    """Letters a-z and digits (accents dropped, digits of any script as 0-9), anything else
    between them one dash; empty if nothing is left."""
    kept = []
    for char in unicodedata.normalize("NFKD", text.casefold().translate(_PLAIN)):
        category = unicodedata.category(char)
        if char.isascii() and char.isalnum():
            kept.append(char)
        elif category == "Nd":
            kept.append(str(unicodedata.digit(char)))
        elif not category.startswith("M"):  # a mark is an accent on the letter before
            kept.append("-")
    return re.sub(r"-+", "-", "".join(kept)).strip("-")[:MAX_CODE].rstrip("-")


def slug(name: str) -> str:
    """The code a name would have, were it free: ``area`` when the name has no a-z or 0-9."""
    return _code(name) or "area"


def _free(code: str, taken: set[str]) -> str:
    number = 1
    found = code
    while found in taken:
        number += 1
        suffix = f"-{number}"
        found = code[:MAX_CODE - len(suffix)].rstrip("-") + suffix
    return found


def _same(name: str) -> str:
    """What two names that mean the same area share (case and spacing aside)."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def read_csv(text: str) -> list[Row]:
    """The rows of a CSV with a ``name`` column and an optional ``code`` column."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = {(f or "").strip().lower() for f in reader.fieldnames or ()}
    if "name" not in fields:
        raise AreaFileError(
            "the CSV needs a header row with a 'name' column (and optionally 'code')")
    rows: list[Row] = []
    problems: list[str] = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()
               if isinstance(v, str)}
        name = row.get("name", "")
        if not name:
            continue
        if len(name) > MAX_NAME:
            problems.append(f"line {number}: the name is longer than {MAX_NAME} characters")
            continue
        given = row.get("code", "")
        if given and not _code(given):
            problems.append(f"line {number}: the code {given!r} has no letters a-z or digits "
                            "(leave it empty to make one from the name)")
            continue
        rows.append(Row(_code(given) if given else None, name, number))
    if problems:
        raise AreaFileError(*problems)
    return rows


async def import_rows(
    session: AsyncSession, rows: Sequence[Row | tuple[str | None, str]], now: datetime,
    done: Callable[[], None] = lambda: None,
) -> tuple[int, int]:
    """Add new areas and rename existing ones; returns (added, renamed).

    A row with a code is the area with that code (renamed if its name differs); a row
    without one is the area of that name, or a new area with a code of its own. Nothing
    is changed if two rows are the same area or would leave two areas with one name:
    AreaFileError says which lines. ``done`` is called for each row (for a progress bar).
    """
    existing = list(await session.scalars(select(Area).order_by(Area.id)))
    by_code = {known.code: known for known in existing}
    by_name: dict[str, Area] = {}
    for known in existing:
        by_name.setdefault(_same(known.name), known)
    problems: list[str] = []
    names: dict[str, int] = {}
    codes: dict[str, int] = {}
    changed: dict[int, int] = {}  # area id: the line that has it
    plan: list[tuple[Row, Area | None]] = []
    for position, given in enumerate(rows, start=1):
        row = given if isinstance(given, Row) else Row(*given)
        line = row.line or position
        key = _same(row.name)
        if key in names:
            problems.append(f"line {line}: {row.name!r} is already on line {names[key]} "
                            "(each area once)")
            continue
        names[key] = line
        if row.code is not None:
            if row.code in codes:
                problems.append(f"line {line}: the code {row.code!r} is already on line "
                                f"{codes[row.code]} (each code once)")
                continue
            codes[row.code] = line
            area: Area | None = by_code.get(row.code)
        else:
            area = by_name.get(key)
        if area is not None:
            if area.id in changed:
                problems.append(f"line {line}: {row.name!r} is the area with code {area.code}, "
                                f"which line {changed[area.id]} already changes")
                continue
            changed[area.id] = line
        plan.append((row._replace(line=line), area))
    kept = {_same(known.name): known.code for known in existing if known.id not in changed}
    for row, area in plan:
        other = kept.get(_same(row.name))
        if other is not None and (area is None or _same(area.name) != _same(row.name)):
            problems.append(f"line {row.line}: another area ({other}) is already called "
                            f"{row.name!r}")
    if problems:
        raise AreaFileError(*problems)
    taken = set(by_code) | set(codes)
    added = updated = 0
    for row, area in plan:
        done()
        if area is None:
            code = row.code or _free(slug(row.name), taken)
            taken.add(code)
            session.add(Area(code=code, name=row.name, created_at=now))
            added += 1
        elif area.name != row.name:
            area.name = row.name
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
