"""`champbot run --role ...`: one active scheduler on PostgreSQL, a standby that takes
over when the active one is killed, and SQLite kept to one process."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App, utc_now
from bot.services import broadcasts, demo, permissions
from bot.storage.models import OutboxMessage
from tests.conftest import POSTGRES_URL
from tests.support.broadcasts import add_champion
from tests.support.processes import ROOT, Champbot, within
from tests.support.processes import processes as running_processes

needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="several processes need PostgreSQL: set TEST_DATABASE_URL")


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return {**environ, "BROADCAST_QUIET_HOURS": "off"}  # whatever the hour CI runs at


@pytest.fixture
async def champbot(environ: dict[str, str],
                   tmp_path: Path) -> AsyncIterator[Callable[[str], Champbot]]:
    async with running_processes(environ, tmp_path) as start:
        yield start


@needs_postgres
async def test_a_standby_scheduler_takes_over_within_30_seconds_of_a_sigkill(
        champbot: Callable[[str], Champbot]) -> None:
    first = champbot("scheduler")

    async def first_active() -> bool:
        return await first.scheduler_state() == "active"

    await within(60, first_active, "the first scheduler becomes active")
    second = champbot("scheduler")

    async def second_standing_by() -> bool:
        return await second.scheduler_state() == "standby"

    async def second_active() -> bool:
        return await second.scheduler_state() == "active"

    await within(60, second_standing_by, "the second scheduler stands by")
    assert await first.scheduler_state() == "active"  # still exactly one

    await first.stop(signal.SIGKILL)
    await within(30, second_active, "the standby takes over after the active one is killed")
    await second.stop()
    assert "scheduler: standby, waiting to take over" in second.log
    assert "scheduler: active" in second.log
    assert "Traceback" not in second.log


async def broadcast_due_now(app: App, text: str) -> int:
    request = broadcasts.Request(texts={"en": text}, at=utc_now())
    return await broadcasts.create(app.database, app.settings, permissions.OPERATOR, request,
                                   utc_now())


async def messages_of(app: App, broadcast_id: int) -> list[int | None]:
    """The person each of the broadcast's outbox rows goes to."""
    async with app.database.transaction() as session:
        return list(await session.scalars(select(OutboxMessage.person_id).where(
            OutboxMessage.broadcast_id == broadcast_id).order_by(OutboxMessage.person_id)))


@needs_postgres
async def test_what_falls_due_while_the_active_scheduler_is_dead_goes_once_from_the_standby(
        app: App, champbot: Callable[[str], Champbot]) -> None:
    await demo.load(app.database, utc_now())
    people = [await add_champion(app, "telegram", f"{6001 + n}", "en") for n in range(3)]
    before = await broadcast_due_now(app, "Clinic open late on Thursday.")
    first = champbot("scheduler")

    async def started(broadcast_id: int) -> bool:
        return len(await messages_of(app, broadcast_id)) == len(people)

    await within(60, lambda: started(before), "the active scheduler starts what is due")
    second = champbot("scheduler")

    async def second_standing_by() -> bool:
        return await second.scheduler_state() == "standby"

    await within(60, second_standing_by, "the second scheduler stands by")
    await first.stop(signal.SIGKILL)
    during = await broadcast_due_now(app, "Flu jabs at the library on Saturday.")

    async def second_active() -> bool:
        return await second.scheduler_state() == "active"

    await within(30, second_active, "the standby takes over")
    await within(30, lambda: started(during), "the standby starts what fell due meanwhile")
    assert await messages_of(app, before) == sorted(people)  # not again
    assert await messages_of(app, during) == sorted(people)  # once each
    async with app.database.transaction() as session:
        total = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert total == 2 * len(people)


@needs_postgres
async def test_web_and_dispatcher_processes_run_no_scheduler(
        champbot: Callable[[str], Champbot]) -> None:
    web, dispatcher = champbot("web"), champbot("dispatcher")
    for process in (web, dispatcher):
        async def answers(process: Champbot = process) -> bool:
            return await process.metric("champbot_database_up") == 1

        await within(60, answers, f"the {process.role} process serves /metrics")
        assert await process.scheduler_state() == "none"


@needs_postgres
async def test_dispatcher_processes_count_each_other_to_share_the_rates(
        champbot: Callable[[str], Champbot]) -> None:
    first, second = champbot("dispatcher"), champbot("dispatcher")

    def sharing(process: Champbot, dispatchers: int) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return await process.metric("champbot_dispatchers") == dispatchers
        return check

    for process in (first, second):
        await within(60, sharing(process, 2), f"dispatcher {process.port} counts two")
    await second.stop(signal.SIGKILL)
    await within(15, sharing(first, 1), "the survivor takes the whole rates")
    web = champbot("web")
    await web.serving()
    assert await web.metric("champbot_dispatchers") == 0  # it sends nothing


def test_sqlite_runs_every_role_in_one_process(environ: dict[str, str], tmp_path: Path) -> None:
    if POSTGRES_URL:
        pytest.skip("this is about SQLite")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--role", "scheduler"], cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ},
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "champbot: on SQLite run one process with --role all; separate roles need PostgreSQL")
