"""Keeps the totals tables (``activity_totals``, ``concern_totals``) equal to the rows they
add up, in the same transaction.

Before each flush, every counted row about to be inserted adds itself to its total, every
one about to be deleted takes itself off, and every changed one takes off what the
database still holds and adds what it now says. ``session.execute(insert(Activity),
[...])`` adds its rows too. Erasure (FORGET) only blanks words, so the totals stay.
ORM statements that would change a total otherwise (a bulk ``delete(Activity)``, an
``update(Concern)`` of its area) are refused; SQL written without the ORM must leave the
counted columns alone, or call ``rebuild`` after.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, event, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from bot.storage.base import Base, written_table
from bot.storage.models import NO_AREA, Activity, ActivityTotal, Concern, ConcernTotal

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Tally:
    source: type[Base]
    target: type[Base]
    counted: tuple[str, ...]  # the source's columns the totals depend on
    # From the counted values: the total's key and what the row adds (None: not counted).
    share: Callable[..., tuple[Key, dict[str, int]] | None]
    rebuild: str  # INSERT … SELECT adding every source row up


def _area(area_id: int | None) -> int:
    return NO_AREA if area_id is None else area_id


def _activity(day: Any, area_id: int | None, topic: str, kind: str, people: int,
              minutes: int | None) -> tuple[Key, dict[str, int]]:
    return ((day, _area(area_id), topic, kind),
            {"activities": 1, "people_reached": people, "minutes_given": minutes or 0})


def _concern(created_at: datetime, area_id: int | None, confirmed: bool
             ) -> tuple[Key, dict[str, int]] | None:
    if not confirmed:
        return None
    return (created_at.astimezone(UTC).date(), _area(area_id)), {"raised": 1}


def _utc_day(dialect: str) -> str:
    return ("date(created_at)" if dialect == "sqlite"
            else "CAST(created_at AT TIME ZONE 'UTC' AS date)")


TALLIES = (
    Tally(Activity, ActivityTotal,
          ("happened_on", "area_id", "topic", "kind", "people_reached", "minutes_given"),
          _activity, f"""
INSERT INTO activity_totals (happened_on, area_id, topic, kind, activities, people_reached,
                             minutes_given)
SELECT happened_on, COALESCE(area_id, {NO_AREA}), topic, kind, COUNT(*),
       COALESCE(SUM(people_reached), 0), COALESCE(SUM(minutes_given), 0)
FROM activities GROUP BY happened_on, COALESCE(area_id, {NO_AREA}), topic, kind"""),
    Tally(Concern, ConcernTotal, ("created_at", "area_id", "confirmed"), _concern, f"""
INSERT INTO concern_totals (raised_on, area_id, raised)
SELECT {{day}}, COALESCE(area_id, {NO_AREA}), COUNT(*) FROM concerns WHERE confirmed
GROUP BY {{day}}, COALESCE(area_id, {NO_AREA})"""),
)


def _changed(row: Any, tally: Tally) -> bool:
    state = row.__dict__.get("_sa_instance_state")
    return state is not None and any(
        state.attrs[name].history.has_changes() for name in tally.counted)


def _add(changes: dict[Key, Counter[str]], share: tuple[Key, dict[str, int]] | None,
         sign: int) -> None:
    if share is not None:
        key, amounts = share
        change = changes.setdefault(key, Counter())
        for name, amount in amounts.items():
            change[name] += sign * amount


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    for tally in TALLIES:
        added: list[Any] = [o for o in session.new if isinstance(o, tally.source)]
        gone: list[Any] = [o for o in session.deleted if isinstance(o, tally.source)]
        changed: list[Any] = [o for o in session.dirty if isinstance(o, tally.source)
                              and _changed(o, tally)]
        if not (added or gone or changed):
            continue
        changes: dict[Key, Counter[str]] = {}
        for row in (*added, *changed):
            _add(changes, tally.share(*(getattr(row, name) for name in tally.counted)), 1)
        connection = session.connection()
        source: Any = tally.source
        stored = [row.id for row in (*gone, *changed) if row.id is not None]
        if stored:
            for values in connection.execute(
                    select(*(getattr(source, name) for name in tally.counted))
                    .where(source.id.in_(stored))):
                _add(changes, tally.share(*values), -1)
        apply(connection, tally.target, changes)


class TotalsBypassed(Exception):
    """An ORM statement would change what a totals table adds up, behind its back."""


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    name = written_table(state)
    if name is None:
        return
    for tally in TALLIES:
        if name != _table(tally.source).name:
            continue
        given: Any = state.parameters
        rows: list[dict[str, Any]] = [given] if isinstance(given, dict) else list(given or ())
        written = {getattr(k, "key", k) for k in getattr(state.statement, "_values", None) or ()}
        if state.is_insert and rows and not written:
            changes: dict[Key, Counter[str]] = {}
            for row in rows:
                _add(changes, tally.share(*(_given(tally, row, name)
                                            for name in tally.counted)), 1)
            apply(state.session.connection(), tally.target, changes)
        elif (state.is_insert or state.is_delete
              or (written | {k for row in rows for k in row}) & set(tally.counted)):
            raise TotalsBypassed(f"{tally.source.__name__}: change such rows as objects "
                                 "(or call totals.rebuild after)")


def _given(tally: Tally, row: dict[str, Any], name: str) -> Any:
    """A bulk insert's value, or the column's default when it gives none."""
    if name in row:
        return row[name]
    default: Any = _table(tally.source).c[name].default
    return default.arg if default is not None and default.is_scalar else None


def apply(connection: Connection, target: type[Base], changes: dict[Key, Counter[str]]
          ) -> None:
    """Add each change to its total (made if new); totals left counting nothing go."""
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    table = _table(target)
    keys = [column.name for column in table.primary_key.columns]
    first = next(c.name for c in table.columns if c.name not in keys)  # what is counted
    emptied = []
    for key, change in sorted(changes.items()):
        if not any(change.values()):
            continue
        statement = insert(table).values(**dict(zip(keys, key, strict=True)), **change)
        connection.execute(statement.on_conflict_do_update(
            index_elements=keys,
            set_={name: table.c[name] + statement.excluded[name] for name in change}))
        if change[first] < 0:
            emptied.append(key)
    for key in emptied:
        connection.execute(delete(table).where(
            *(table.c[name] == value for name, value in zip(keys, key, strict=True)),
            table.c[first] <= 0))


def _table(target: type[Base]) -> Table:
    table = target.__table__
    assert isinstance(table, Table)
    return table


def rebuild(connection: Connection) -> None:
    """Add every row up again (after rows were written without the ORM)."""
    for tally in TALLIES:
        connection.execute(delete(_table(tally.target)))
        connection.execute(text(tally.rebuild.format(day=_utc_day(connection.dialect.name))))
