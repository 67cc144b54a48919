"""`champbot db backup` while the bot runs, and `champbot db restore`: a consistent copy,
checked before it comes back, and nobody erased since the backup comes back with it."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import backups, outbox
from bot.storage.backups import BadBackup, check
from bot.storage.database import Database
from bot.storage.models import Identity, OutboxMessage, Person, Status
from flows.types import Reply
from tests.conftest import POSTGRES_URL
from tests.support.chat import joined
from tests.support.processes import ROOT

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite backups (PostgreSQL: pg_dump)")


def champbot(environ: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ}, timeout=120)


@sqlite_only
async def test_a_backup_during_live_traffic_restores_with_every_row_committed_before_it(
        app: App, environ: dict[str, str], tmp_path: Path) -> None:
    committed: list[int] = []
    stop, warmed_up = asyncio.Event(), asyncio.Event()

    async def traffic() -> None:  # the bot writing replies, one transaction each
        while not stop.is_set():
            async with app.database.transaction() as session:
                row = outbox.enqueue(session, channel="console", address="traffic",
                                     reply=Reply("x" * 500), now=app.clock())
                await session.flush()
                number = row.id
            committed.append(number)
            if len(committed) == 50:
                warmed_up.set()
            await asyncio.sleep(0)

    writer = asyncio.create_task(traffic())
    await warmed_up.wait()
    before = list(committed)
    done = await asyncio.to_thread(champbot, environ, tmp_path, "db", "backup", "copy.db")
    stop.set()
    await writer
    assert done.returncode == 0, done.stderr
    assert len(committed) > len(before)  # traffic went on while the copy was made

    copy = tmp_path / "copy.db"
    with closing(sqlite3.connect(copy)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    restored = Database(f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}")
    try:
        await backups.restore(restored, copy)
        async with restored.transaction() as session:
            ids = set(await session.scalars(select(OutboxMessage.id)))
    finally:
        await restored.close()
    assert set(before) <= ids  # every row committed before the backup began
    assert ids <= set(committed)  # and nothing that was never committed
    with closing(sqlite3.connect(tmp_path / "restored.db")) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@sqlite_only
@pytest.mark.usefixtures("programme")
async def test_someone_erased_after_the_backup_stays_erased_after_a_restore(
        app: App, environ: dict[str, str], tmp_path: Path) -> None:
    amina = await joined(app, "amina-phone", name="Amina")
    await joined(app, "bilal-phone", name="Bilal")
    await backups.backup(app.database, tmp_path / "before.db")

    await amina.says("forget")
    await amina.says("1")
    amina.sees("Your details have been erased")

    await app.database.close()
    done = await asyncio.to_thread(champbot, environ, tmp_path, "db", "restore", "before.db")
    assert done.returncode == 0, done.stderr
    assert "people erased again since the backup: 1" in done.stdout
    async with app.database.transaction() as session:
        people = {p.id: p for p in await session.scalars(select(Person))}
        addresses = set(await session.scalars(select(Identity.address)))
    assert sorted(p.display_name or "" for p in people.values()) == ["", "Bilal"]
    assert [p.status for p in people.values() if p.display_name is None] == [Status.ERASED]
    assert addresses == {"bilal-phone"}


@sqlite_only
async def test_a_restore_refuses_a_file_that_is_not_a_champbot_backup(
        app: App, environ: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a database")
    with closing(sqlite3.connect(tmp_path / "other.db")) as connection:
        connection.execute("CREATE TABLE t (x)")
    for name, reason in (("notes.txt", "is not a SQLite database"),
                         ("other.db", "is not a champbot database"),
                         ("missing.db", "no such file")):
        done = await asyncio.to_thread(champbot, environ, tmp_path, "db", "restore", name)
        assert done.returncode == 2 and reason in done.stderr, done.stderr
    with closing(sqlite3.connect(tmp_path / "future.db")) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
        connection.execute("INSERT INTO alembic_version VALUES ('9999')")
        connection.commit()
    with pytest.raises(BadBackup, match="revision 9999"):
        check(tmp_path / "future.db")


@sqlite_only
async def test_a_backup_to_a_place_it_cannot_write_says_why_in_one_line(
        app: App, environ: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "kept").mkdir()
    for target, reason in (("no/such/folder/copy.db", "no such folder"),
                           ("kept", "is a folder; give a file name")):
        done = await asyncio.to_thread(champbot, environ, tmp_path, "db", "backup", target)
        assert done.returncode == 2 and reason in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert list((tmp_path / "kept").iterdir()) == []


async def test_on_postgresql_backups_are_pg_dump() -> None:
    database = Database("postgresql+asyncpg://champbot@127.0.0.1:1/champbot")
    try:
        with pytest.raises(BadBackup, match="use pg_dump and pg_restore"):
            await backups.backup(database, Path("copy.db"))
    finally:
        await database.close()


@sqlite_only
@pytest.mark.usefixtures("programme")
async def test_a_restore_under_a_running_bot_is_refused_and_changes_nothing(
        app: App, environ: dict[str, str], tmp_path: Path) -> None:
    from bot.storage.running import held

    await joined(app, "bilal-phone", name="Bilal")
    await backups.backup(app.database, tmp_path / "before.db")
    await joined(app, "amina-phone", name="Amina")  # after the backup
    with held(app.settings.database_url, "a test"):  # as `champbot run` holds it
        done = await asyncio.to_thread(champbot, environ, tmp_path, "db", "restore",
                                       "before.db")
        again = await asyncio.to_thread(champbot, environ, tmp_path, "run")
    assert done.returncode == 2, done.stderr
    assert "a champbot run is using" in done.stderr and "stop it before restoring" in done.stderr
    assert again.returncode == 2 and "stop it before starting another" in again.stderr
    async with app.database.transaction() as session:
        names = set(await session.scalars(select(Person.display_name)))
    assert names == {"Bilal", "Amina"}  # nothing restored over her


@sqlite_only
async def test_the_lock_is_the_real_files_whatever_path_names_it(tmp_path: Path) -> None:
    from bot.storage.running import InUse, held

    real = tmp_path / "data" / "champbot.db"
    real.parent.mkdir()
    real.touch()
    (tmp_path / "link.db").symlink_to(real)
    with held(f"sqlite+aiosqlite:///{real}", "a test"):
        for other in (tmp_path / "link.db", tmp_path / "data" / ".." / "data" / "champbot.db"):
            with pytest.raises(InUse, match="stop it before restoring"), \
                    held(f"sqlite+aiosqlite:///{other}", "restoring"):
                pass
