"""Follow-ups and digests, driven by the injected clock through the scheduler's own jobs:
each is sent once, at its time, and a restart neither loses nor repeats one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.scheduler import build
from bot.services import digests
from bot.storage.database import Database
from bot.storage.models import Area, Concern, ConcernStatus, Partner
from tests.support.chat import joined, make_coordinator
from tests.support.clock import FakeClock
from tests.support.partners import add_partner, partner_contact
from tests.test_escalations import raise_concern

pytestmark = pytest.mark.usefixtures("programme")


async def run_job(app: App, job: str) -> None:
    """What the one scheduler process runs on each tick of ``job``."""
    await build(app).get_job(job).func()


async def restarted(app: App) -> App:
    """The same database and clock in a new process."""
    return App(app.settings, Database(app.settings.database_url), app.clock)


async def test_an_unacknowledged_urgent_escalation_is_followed_up_once_across_a_restart(
    app: App, clock: FakeClock,
) -> None:
    partner = await add_partner(app)
    hana = await partner_contact(app, "hana", partner)
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await raise_concern(amina, urgency="1")
    await hana.reads()
    await carol.reads()

    clock.advance(hours=3, minutes=59)
    await run_job(app, "followups")
    assert await hana.reads() == "" and await carol.reads() == ""

    clock.advance(minutes=2)
    await run_job(app, "followups")
    await hana.reads()
    hana.sees("Reminder: concern C-1001 for Northfield Housing has not been acknowledged yet.")
    await carol.reads()
    carol.sees("Concern C-1001 has not been acknowledged by Northfield Housing in time.")

    again = await restarted(app)
    try:
        clock.advance(hours=1)
        await run_job(again, "followups")
    finally:
        await again.database.close()
    assert await hana.reads() == "" and await carol.reads() == ""


async def test_a_normal_escalation_is_followed_up_after_three_working_days(
    app: App, clock: FakeClock,
) -> None:
    partner = await add_partner(app)
    hana = await partner_contact(app, "hana", partner)
    amina = await joined(app, "amina")
    await raise_concern(amina)  # on Friday 20 November at 10:00
    clock.advance(days=4, hours=23)  # Wednesday 09:00: Mon, Tue and most of Wed passed
    await run_job(app, "followups")
    assert "Reminder" not in await hana.reads()
    clock.advance(hours=1)
    await run_job(app, "followups")
    await hana.reads()
    hana.sees("Reminder: concern C-1001")


async def test_a_concern_no_service_matched_reminds_the_coordinators_once_when_late(
    app: App, clock: FakeClock,
) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await raise_concern(amina, category="8")  # transport: no partner service handles it
    await carol.reads()
    carol.sees("No partner service matches: it needs routing")

    clock.advance(days=4, hours=23)  # not yet three working days
    await run_job(app, "followups")
    assert "still needs routing" not in await carol.reads()
    clock.advance(hours=1)
    await run_job(app, "followups")
    await carol.reads()
    carol.sees("Reminder: concern C-1001 still needs routing to a partner service.")
    clock.advance(days=3)
    await run_job(app, "followups")
    assert await carol.reads() == ""


async def test_a_digest_goes_at_the_digest_time_on_working_days_once(
    app: App, clock: FakeClock,
) -> None:
    partner = await add_partner(app, digest_time="08:00")
    hana = await partner_contact(app, "hana", partner)
    amina = await joined(app, "amina")
    await raise_concern(amina)  # Friday 10:00, after today's digest time
    await run_job(app, "digests")
    assert "Digest" not in await hana.reads()

    clock.advance(hours=22)  # Saturday 08:00: not a working day
    await run_job(app, "digests")
    assert "Digest" not in await hana.reads()

    clock.advance(days=2)  # Monday 08:00
    await run_job(app, "digests")
    await hana.reads()
    hana.sees("Digest for Northfield Housing", "New: 1", "C-1001 · Housing and damp · "
              "Northfield", "Elm Street")

    again = await restarted(app)
    try:
        clock.advance(minutes=5)
        await run_job(again, "digests")
    finally:
        await again.database.close()
    assert await hana.reads() == ""

    clock.advance(days=1)  # Tuesday 08:05: what is still open, nothing new
    await run_job(app, "digests")
    await hana.reads()
    hana.sees("Still open, oldest first: 1", "C-1001")
    hana.does_not_see("New:")


async def test_pattern_counts_and_trends_match_the_database(app: App, clock: FakeClock) -> None:
    partner_id = await add_partner(app, areas=["Northfield", "Eastgate"])
    now = clock()
    ages = {"Northfield": [1, 2, 3, 12, 40, 41], "Eastgate": [35, 36, 50, 20],
            "Hillcrest": [1, 2, 3, 4]}  # Hillcrest: not this partner's area
    async with app.database.transaction() as session:
        names = {a.name: a.id for a in await session.scalars(select(Area))}
        for name, days in ages.items():
            for age in days:
                session.add(Concern(category="housing", area_id=names[name], urgency="soon",
                                    status=ConcernStatus.RECEIVED, language="en",
                                    created_at=now - timedelta(days=age, hours=1),
                                    updated_at=now))
        session.add(Concern(category="transport", area_id=names["Northfield"], urgency="soon",
                            status=ConcernStatus.RECEIVED, language="en",
                            created_at=now - timedelta(days=1), updated_at=now))
        await session.flush()
        partner = await session.get(Partner, partner_id)
        assert partner is not None
        found = await digests.patterns(session, partner, now)

        async def count(area: str, newest: int, oldest: int) -> int:
            return int(await session.scalar(select(func.count()).select_from(Concern).where(
                Concern.category == "housing", Concern.area_id == names[area],
                Concern.created_at >= now - timedelta(days=oldest),
                Concern.created_at < now - timedelta(days=newest))) or 0)

        expected = {area: (await count(area, 0, 30), await count(area, 30, 60),
                           await count(area, 0, 7)) for area in ("Eastgate", "Northfield")}
    shown = {p.area: (p.last_30, p.previous_30, p.last_7) for p in found}
    assert shown == expected == {"Northfield": (4, 2, 3), "Eastgate": (1, 3, 0)}
    trends = {p.area: (p.trend, p.crossed) for p in found}
    assert trends == {"Northfield": ("rising", True), "Eastgate": ("falling", False)}
