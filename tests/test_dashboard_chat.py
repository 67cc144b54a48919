"""Coordinators in chat: /dashboard sends a sign-in link, /chart this month's impact as a
picture; champions hear these are for coordinators. And the same from the command line."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.app import App, utc_now
from bot.services import demo
from bot.storage.models import Activity
from tests.support.chat import Recorder, joined, make_coordinator
from tests.support.clock import FakeClock
from tests.support.dashboard import add_activity, browser
from tests.support.demo import load_demo
from tests.support.people import add_person
from tests.test_cli import champbot

LINK = re.compile(r"http://\S+/dashboard/signin/\S+")


async def test_a_coordinator_asks_for_the_dashboard_and_signs_in_with_the_link(
        app: App, programme: demo.Demo) -> None:
    carol = await make_coordinator(app)
    await carol.says("/dashboard")
    carol.sees("Here is your link to the dashboard. It works once, for 15 minutes")
    found = LINK.search("\n".join(carol.replies))
    assert found
    path = found.group(0).split("8080", 1)[1]
    async with browser(app) as client:
        assert (await client.get(path)).status_code == 200
        assert (await client.post(path)).status_code == 303
        assert (await client.get("/dashboard/champions")).status_code == 200


async def test_a_champion_asking_for_the_dashboard_hears_it_is_not_in_their_menu(
        app: App, programme: demo.Demo) -> None:
    amina = await joined(app, "amina")
    await amina.says("/dashboard")
    amina.sees("Sorry, /dashboard is not in your menu. Here is what you can do:",
               "Log an activity")
    amina.does_not_see("/dashboard/signin/")
    await amina.says("/chart")
    amina.sees("Sorry, this is only for coordinators.")


async def test_a_coordinator_on_telegram_gets_this_months_impact_as_a_picture(
        app: App, programme: demo.Demo) -> None:
    recorder = Recorder("telegram")
    carol = await joined(app, "501", name="Carol", channel="telegram", recorder=recorder)
    async with app.database.transaction() as session:
        from bot.storage.models import Identity, Person, Role

        identity = await session.scalar(select(Identity).where(Identity.address == "501"))
        assert identity is not None
        person = await session.get(Person, identity.person_id)
        assert person is not None
        person.role = Role.COORDINATOR
    await add_activity(app, None, date(2026, 11, 3), 25, topic="vaccination")
    await add_activity(app, None, date(2026, 10, 3), 99)  # last month: not counted
    await carol.says("/chart")
    carol.sees("2026-11-01 – 2026-11-20\nActivities: 1 · People reached: 25 · Hours given: 1")
    sent = [m for m in recorder.to("501") if m.reply.media]
    assert sent, "no picture was sent"
    ref = sent[-1].reply.media[0].ref
    assert ref.startswith("data:image/png;base64,")
    assert base64.b64decode(ref.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_cli_prints_a_link_for_a_coordinator_only(
        environ: dict[str, str], tmp_path: Path) -> None:
    load_demo(environ)
    out = champbot("dashboard", "link", "--person", "1", environ=environ, cwd=tmp_path,
                   ok=False)
    assert out.returncode == 2
    assert "no active coordinator or partner contact with id 1" in out.stderr


async def test_the_cli_link_signs_a_coordinator_in(app: App, clock: FakeClock,
                                                   environ: dict[str, str],
                                                   tmp_path: Path) -> None:
    clock.now = utc_now()  # the command signs with the real clock
    carol = await add_person(app)
    out = champbot("dashboard", "link", "--person", str(carol), environ=environ, cwd=tmp_path)
    link = out.stdout.strip()
    assert link.startswith("http://127.0.0.1:8080/dashboard/signin/")
    path = link.removeprefix("http://127.0.0.1:8080")
    async with browser(app) as client:
        # The link was signed by another process with the secret both read from the database.
        assert (await client.post(path)).status_code == 303


async def test_the_impact_report_from_the_cli_matches_the_database(
        app: App, environ: dict[str, str], tmp_path: Path) -> None:
    for day, people, minutes in [(date(2026, 4, 1), 10, 30), (date(2026, 6, 30), 7, 45),
                                 (date(2026, 7, 1), 100, 60), (date(2026, 3, 31), 1000, 60)]:
        await add_activity(app, None, day, people, minutes)
    async with app.database.transaction() as session:
        people, count = (await session.execute(select(
            func.sum(Activity.people_reached), func.count(Activity.id)).where(
            Activity.happened_on.between(date(2026, 4, 1), date(2026, 6, 30))))).one()
    out = champbot("report", "impact", "--from", "2026-04-01", "--to", "2026-06-30",
                   environ=environ, cwd=tmp_path).stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1][:4] == ["Total", "Activities", "People reached", "Hours given"]
    assert rows[2][1:4] == [str(count), str(people), "1.2"]
    champbot("report", "impact", "--from", "2026-04-01", "--to", "2026-06-30", "--format",
             "xlsx", "--output", "q1.xlsx", environ=environ, cwd=tmp_path)
    sheet = load_workbook(tmp_path / "q1.xlsx").active
    assert [c.value for c in sheet[3]][1:4] == [count, people, 1.2]
    bad = champbot("report", "impact", "--from", "2026-07-01", "--to", "2026-06-30",
                   environ=environ, cwd=tmp_path, ok=False)
    assert bad.returncode == 2 and "--from must not be after --to" in bad.stderr


async def test_on_whatsapp_the_chart_comes_from_a_short_lived_signed_address(
        app: App, programme: demo.Demo, clock: FakeClock) -> None:
    recorder = Recorder("whatsapp")
    carol = await joined(app, "+447700900123", name="Carol", channel="whatsapp",
                         recorder=recorder)
    async with app.database.transaction() as session:
        from bot.storage.models import Identity, Person, Role

        identity = await session.scalar(select(Identity).where(
            Identity.address == "+447700900123"))
        assert identity is not None
        person = await session.get(Person, identity.person_id)
        assert person is not None
        person.role = Role.COORDINATOR
    await add_activity(app, None, date(2026, 11, 3), 25, topic="vaccination")
    await carol.says("/chart")
    url = [m for m in recorder.to("+447700900123") if m.reply.media][-1].reply.media[0].ref
    path = url.split("8080", 1)[1]
    assert path.startswith("/dashboard/charts/") and path.endswith(".png")
    async with browser(app) as client:
        picture = await client.get(path)
        forged = await client.get(path.replace(".png", "x.png"))
        clock.advance(hours=2)
        expired = await client.get(path)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert picture.content[:4] == b"\x89PNG"
    assert forged.status_code == 404 and expired.status_code == 410
