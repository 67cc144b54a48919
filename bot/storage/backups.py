"""SQLite backups: a consistent copy while the bot runs (SQLite's online backup API),
and the checks a copy must pass before it replaces the live database."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from bot.storage.database import alembic_config


class BadBackup(Exception):
    """The file is not a champbot database this version can restore (one line says why)."""


@contextlib.contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, timeout=30)
    try:
        yield connection
    finally:
        connection.close()


def backup(live: Path, target: Path) -> None:
    """Copy ``live`` to ``target`` as one snapshot: every transaction committed before the
    copy began, none half-way. Written beside ``target`` first, then moved into place."""
    partial = target.with_name(target.name + ".partial")
    if not target.parent.is_dir():
        raise BadBackup(f"champbot: no such folder: {target.parent} (make it first)")
    if target.is_dir():
        raise BadBackup(f"champbot: {target} is a folder; give a file name, e.g. "
                        f"{target / 'champbot-backup.db'}")
    try:
        partial.unlink(missing_ok=True)
    except OSError as error:
        raise BadBackup(f"champbot: cannot write {target}: {error.strerror}") from None
    try:
        with _connect(live) as source, _connect(partial) as copy:
            source.backup(copy)  # all pages in one step: one read transaction, one snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    except sqlite3.OperationalError as error:  # e.g. a folder we may not write in
        partial.unlink(missing_ok=True)
        raise BadBackup(f"champbot: cannot write {target}: {error}") from None
    check(partial)
    partial.replace(target)


def check(path: Path) -> str:
    """The copy's schema revision, once it passed SQLite's integrity check and is one we know."""
    if not path.is_file():
        raise BadBackup(f"champbot: no such file: {path}")
    try:
        with _connect(path) as connection:
            (integrity,) = connection.execute("PRAGMA integrity_check").fetchone()
            if integrity != "ok":
                raise BadBackup(f"champbot: {path} failed SQLite's integrity check: {integrity}")
            found = connection.execute(
                "SELECT name FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
            row = connection.execute(
                "SELECT version_num FROM alembic_version").fetchone() if found else None
    except sqlite3.DatabaseError as error:
        raise BadBackup(f"champbot: {path} is not a SQLite database ({error})") from None
    if row is None:
        raise BadBackup(f"champbot: {path} is not a champbot database (no schema revision)")
    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(row[0])
    except CommandError:
        known = None
    if known is None:
        raise BadBackup(f"champbot: {path} has schema revision {row[0]}, which this version of "
                        "champbot does not know (is it from a newer one?)")
    return str(row[0])


def copy_over(backup_file: Path, live: Path) -> None:
    """Replace the live database's content with the backup's (the bot must be stopped)."""
    live.parent.mkdir(parents=True, exist_ok=True)
    with _connect(backup_file) as source, _connect(live) as target:
        source.backup(target)
