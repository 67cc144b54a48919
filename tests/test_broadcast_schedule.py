"""Scheduled and recurring broadcasts live in the database; the scheduler only ticks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot import scheduler
from bot.app import App, utc_now
from bot.services import broadcasts
from bot.services.permissions import OPERATOR
from bot.storage.broadcasts import Broadcast, BroadcastStatus
from bot.storage.models import OutboxMessage
from tests.support.broadcasts import add_champion, finished, report, send
from tests.support.clock import FakeClock
from tests.support.processes import Champbot, within
from tests.support.telegram_server import FakeTelegram

pytestmark = pytest.mark.usefixtures("programme")


async def outbox_rows(app: App) -> int:
    async with app.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def test_a_time_missed_while_down_is_sent_once_after_restart_and_reported_late(
    app: App, clock: FakeClock
) -> None:
    for n in range(3):
        await add_champion(app, "console", f"champion-{n}", "en")
    made = await send(app, OPERATOR, at=clock() + timedelta(hours=1), now=False)
    assert await broadcasts.tick(app.database, app.settings, clock()) == []  # not yet

    clock.advance(hours=3)  # champbot was down at the time
    jobs = {job.id: job for job in scheduler.build(app).get_jobs()}
    assert jobs["broadcasts"].next_run_time == clock()  # the restart ticks at once
    (started,) = await broadcasts.tick(app.database, app.settings, clock())
    assert started.recipients == 3
    clock.advance(seconds=30)
    assert await broadcasts.tick(app.database, app.settings, clock()) == []
    assert await outbox_rows(app) == 3  # once
    counts = await report(app, OPERATOR, made)
    assert counts["late"] is True and counts["totals"]["queued"] == 3


async def test_on_time_is_not_late(app: App, clock: FakeClock) -> None:
    await add_champion(app, "console", "champion", "en")
    made = await send(app, OPERATOR, at=clock() + timedelta(minutes=10), now=False)
    clock.advance(minutes=10, seconds=20)
    await broadcasts.tick(app.database, app.settings, clock())
    assert (await report(app, OPERATOR, made))["late"] is False


async def test_a_weekly_broadcast_goes_each_week_and_missed_weeks_only_once(
    app: App, clock: FakeClock
) -> None:
    await add_champion(app, "console", "champion", "en")
    first = clock() + timedelta(minutes=1)
    parent = await send(app, OPERATOR, at=first, repeat="weekly", now=False)
    clock.advance(minutes=1)
    assert len(await broadcasts.tick(app.database, app.settings, clock())) == 1
    clock.advance(weeks=3)  # down for three weeks
    assert len(await broadcasts.tick(app.database, app.settings, clock())) == 1
    assert await broadcasts.tick(app.database, app.settings, clock()) == []
    assert await outbox_rows(app) == 2
    async with app.database.transaction() as session:
        recurring = await session.get(Broadcast, parent)
        assert recurring is not None and recurring.status == BroadcastStatus.SCHEDULED
        assert recurring.at == first + timedelta(weeks=4)
        late = list(await session.scalars(select(Broadcast.late).where(
            Broadcast.parent_id == parent).order_by(Broadcast.id)))
    assert late == [False, True]


async def test_started_in_quiet_hours_it_goes_when_they_end_as_it_says_even_if_set_later(
    app: App, clock: FakeClock
) -> None:
    await add_champion(app, "console", "champion", "en")
    clock.advance(hours=12)  # 22:00 in London: quiet until 08:00
    made = await send(app, OPERATOR, at=clock() + timedelta(days=2), now=False)
    started = await broadcasts.start(app.database, app.settings, OPERATOR, made, clock())
    morning = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    assert started.held_until == morning and started.recipients == 0
    counts = await report(app, OPERATOR, made)
    assert counts["status"] == "scheduled" and counts["held_until"] == morning.isoformat()
    [listed] = await broadcasts.listing(app.database)
    assert listed.held_until == morning

    clock.now = morning - timedelta(minutes=1)
    assert await broadcasts.tick(app.database, app.settings, clock()) == []
    clock.now = morning
    (begun,) = await broadcasts.tick(app.database, app.settings, clock())
    assert begun.broadcast_id == made and begun.recipients == 1
    assert await outbox_rows(app) == 1
    counts = await report(app, OPERATOR, made)
    assert counts["held_until"] is None and counts["late"] is False


async def test_a_crash_in_the_middle_of_writing_the_audience_resumes_without_repeats(
    app: App, clock: FakeClock
) -> None:
    from bot.services import fanout

    for n in range(7):
        await add_champion(app, "console", f"champion-{n}", "en")
    made = await send(app, OPERATOR, now=False)
    async with app.database.transaction() as session:
        broadcast = await session.get(Broadcast, made)
        assert broadcast is not None
        broadcast.status, broadcast.started_at = BroadcastStatus.STARTING, clock()
        await fanout.prepare(session, broadcast, "en")
        assert await fanout.next_batch(session, broadcast, batch=3) == 3  # people 1 to 3
    # ... and the process died here. The next tick finishes it.
    await broadcasts.tick(app.database, app.settings, clock())
    assert await outbox_rows(app) == 7
    assert (await report(app, OPERATOR, made))["recipients"] == 7


async def test_champbot_run_started_after_the_time_sends_it_once_and_says_it_was_late(
    app: App, environ: dict[str, str], tmp_path: Path
) -> None:
    async with FakeTelegram().running() as telegram:
        chats = (8001, 8002)
        for chat in chats:
            await add_champion(app, "telegram", str(chat), "en")
            telegram.person(chat)
        made = await send(app, OPERATOR, at=utc_now() + timedelta(hours=1), now=False)
        async with app.database.transaction() as session:  # the hour passed while it was down
            await session.execute(update(Broadcast).where(Broadcast.id == made)
                                  .values(at=utc_now() - timedelta(minutes=10)))
        process = Champbot({**environ, "TELEGRAM_BOT_TOKEN": telegram.token,
                            "TELEGRAM_API_BASE_URL": telegram.base_url,
                            "BROADCAST_QUIET_HOURS": "off"}, "all", tmp_path).start()
        try:
            counts = await finished_after_start(app, made, telegram, chats)
        finally:
            await process.stop()
    assert [len(telegram.chats[chat]) for chat in chats] == [1, 1]  # once each
    assert counts["late"] is True and counts["totals"]["sent"] == 2
    assert "Traceback" not in process.log


async def finished_after_start(app: App, made: int, telegram: FakeTelegram,
                               chats: tuple[int, ...]) -> dict[str, Any]:
    async def arrived() -> bool:
        return all(telegram.chats[chat] for chat in chats)

    await within(60, arrived, "champbot run to send the broadcast")
    return await finished(app, OPERATOR, made)


def test_monthly_times_keep_the_first_day_and_the_local_time_across_daylight_saving() -> None:
    from zoneinfo import ZoneInfo

    from bot.services.schedule import next_time

    london = ZoneInfo("Europe/London")
    first = datetime(2027, 1, 31, 9, 30, tzinfo=london).astimezone(UTC)
    times, at = [], first
    for _ in range(5):
        at = next_time(first, "monthly", at, london)
        times.append(at.astimezone(london).strftime("%Y-%m-%d %H:%M"))
    assert times == ["2027-02-28 09:30", "2027-03-31 09:30", "2027-04-30 09:30",
                     "2027-05-31 09:30", "2027-06-30 09:30"]
    weekly = next_time(datetime(2027, 3, 22, 9, 30, tzinfo=UTC), "weekly",
                       datetime(2027, 3, 23, tzinfo=UTC), london)
    assert weekly == datetime(2027, 3, 29, 8, 30, tzinfo=UTC)  # 09:30 in London (BST)


async def test_a_monthly_broadcast_goes_on_its_day_at_its_local_time_each_month(
    app: App, clock: FakeClock
) -> None:
    await add_champion(app, "console", "champion", "en")
    clock.now = datetime(2027, 1, 30, 12, 0, tzinfo=UTC)
    first = datetime(2027, 1, 31, 9, 30, tzinfo=UTC)  # 09:30 in London, in winter
    parent = await send(app, OPERATOR, at=first, repeat="monthly", now=False)
    due = []
    for _ in range(4):
        async with app.database.transaction() as session:
            recurring = await session.get(Broadcast, parent)
            assert recurring is not None and recurring.at is not None
            due.append(recurring.at)
        clock.now = recurring.at
        assert len(await broadcasts.tick(app.database, app.settings, clock())) == 1
    assert due == [first, datetime(2027, 2, 28, 9, 30, tzinfo=UTC),
                   datetime(2027, 3, 31, 8, 30, tzinfo=UTC),  # 09:30 BST
                   datetime(2027, 4, 30, 8, 30, tzinfo=UTC)]
    async with app.database.transaction() as session:
        copies = list(await session.scalars(select(Broadcast.at).where(
            Broadcast.parent_id == parent).order_by(Broadcast.id)))
    assert copies == due
