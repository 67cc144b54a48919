"""What a newcomer found with broadcasts, from an empty folder after `champbot demo`.

Cancelling a repeating broadcast by the id `create` printed stops its repeats and every
message of its copies not yet sent. Sending now to an audience that matches nobody is
refused and nothing is queued; one for later is kept, and said to match nobody yet. The
command line and the dashboard alike (one service decides)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.app import App
from bot.services import broadcasts
from bot.services.permissions import OPERATOR
from bot.storage.broadcasts import Broadcast, BroadcastStatus
from bot.storage.models import Area, OutboxMessage, OutboxStatus, Role
from tests.support.broadcasts import FLU_TEXTS, add_champion, report, send
from tests.support.clock import FakeClock
from tests.support.dashboard import browser, csrf, sign_in
from tests.support.demo import load_demo
from tests.support.people import add_person
from tests.test_broadcast_cli import HEADER, weekly_from_the_day_after_tomorrow
from tests.test_cli import champbot


@pytest.fixture
def newcomer(environ: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """From an empty folder: `champbot demo`, then four champions imported (three in
    Northfield, one in Eastgate), no quiet hours."""
    load_demo(environ)
    (tmp_path / "people.csv").write_text(
        HEADER
        + "Amina,telegram,4001,en,Northfield,,v1,2026-10-14\n"
        + "Rukhsana,telegram,4002,ur,Northfield,,v1,2026-10-14\n"
        + "Tahmina,whatsapp,+44 7700 900301,bn,Northfield,,v1,2026-10-14\n"
        + "Ola,whatsapp,+48601234567,pl,Eastgate,,v1,2026-10-14\n", encoding="utf-8")
    champbot("people", "import", "people.csv", environ=environ, cwd=tmp_path)
    return {**environ, "BROADCAST_QUIET_HOURS": "off"}


def test_cancelling_a_weekly_broadcast_stops_the_copy_still_going_out(
    newcomer: dict[str, str], tmp_path: Path
) -> None:
    programme = newcomer
    _, parent = weekly_from_the_day_after_tomorrow(programme, tmp_path)  # to Northfield
    sent = champbot("broadcast", "send", parent, environ=programme, cwd=tmp_path).stdout
    assert ": 3 recipient(s) queued; it still repeats" in sent
    copy = sent.split(":")[0].removeprefix("broadcast ")

    cancelled = champbot("broadcast", "cancel", parent, environ=programme, cwd=tmp_path)

    assert cancelled.stdout.strip() == (f"broadcast {parent} cancelled: 3 message(s) will "
                                        "not be sent")
    data = json.loads(champbot("broadcast", "report", parent, "--json", environ=programme,
                               cwd=tmp_path).stdout)
    assert data["status"] == "cancelled"
    [went] = data["copies"]
    assert went["broadcast"] == int(copy) and went["status"] == "cancelled"
    assert went["totals"]["queued"] == 0 and went["totals"]["cancelled"] == 3
    table = champbot("broadcast", "report", copy, environ=programme, cwd=tmp_path).stdout
    assert table.startswith(f"broadcast {copy}: cancelled, 3 recipient(s)")
    again = champbot("broadcast", "send", parent, environ=programme, cwd=tmp_path, ok=False)
    assert again.returncode == 2 and f"broadcast {parent} was already cancelled" in again.stderr
    twice = champbot("broadcast", "cancel", parent, environ=programme, cwd=tmp_path, ok=False)
    assert twice.returncode == 2 and f"broadcast {parent} was already cancelled" in twice.stderr


async def _weekly_gone_out_once(app: App, clock: FakeClock) -> tuple[int, int]:
    """A weekly broadcast to three champions that went out once (the scheduler started
    it): its id and its copy's."""
    for n, code in enumerate(("en", "ur", "en")):
        await add_champion(app, "console", f"c{n}", code)
    parent = await send(app, OPERATOR, at=clock() + timedelta(minutes=1), repeat="weekly",
                        now=False)
    clock.advance(minutes=1)
    (started,) = await broadcasts.tick(app.database, app.settings, clock())
    return parent, started.broadcast_id


async def _unsent(app: App, broadcast_id: int) -> int:
    async with app.database.transaction() as db:
        return len(list(await db.scalars(select(OutboxMessage.id).where(
            OutboxMessage.broadcast_id == broadcast_id,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.HELD])))))


@pytest.mark.usefixtures("programme")
async def test_cancel_on_the_dashboard_stops_the_copy_and_says_how_many(
        app: App, clock: FakeClock) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    parent, copy = await _weekly_gone_out_once(app, clock)
    assert await _unsent(app, copy) == 3
    async with browser(app) as client:
        await sign_in(app, client, carol)
        token = csrf((await client.get(f"/dashboard/broadcasts/{parent}")).text)
        cancelled = await client.post(f"/dashboard/broadcasts/{parent}/cancel",
                                      data={"csrf": token})
        page = await client.get(cancelled.headers["location"])
        copy_page = await client.get(f"/dashboard/broadcasts/{copy}")
    assert "Cancelled: 3 messages were not sent." in page.text
    assert "<dt>Status</dt><dd>Cancelled</dd>" in copy_page.text
    assert await _unsent(app, copy) == 0
    counts = await report(app, OPERATOR, copy)
    assert counts["status"] == "cancelled" and counts["totals"]["cancelled"] == 3
    clock.advance(weeks=1)
    assert await broadcasts.tick(app.database, app.settings, clock()) == []  # no repeat


@pytest.mark.usefixtures("programme")
async def test_a_copy_whose_messages_had_all_gone_stays_started(
        app: App, clock: FakeClock) -> None:
    parent, copy = await _weekly_gone_out_once(app, clock)
    async with app.database.transaction() as db:  # all three went
        await db.execute(update(OutboxMessage).where(OutboxMessage.broadcast_id == copy)
                         .values(status=OutboxStatus.SENT))
    assert await broadcasts.cancel(app.database, OPERATOR, parent, clock()) == 0
    assert (await report(app, OPERATOR, copy))["status"] == "started"
    assert (await report(app, OPERATOR, parent))["status"] == "cancelled"


@pytest.mark.usefixtures("programme")
async def test_cancelled_before_its_copies_were_stopped_with_it_cancelling_again_stops_them(
        app: App, clock: FakeClock) -> None:
    parent, copy = await _weekly_gone_out_once(app, clock)
    async with app.database.transaction() as db:  # as cancelling left it before the fix
        await db.execute(update(Broadcast).where(Broadcast.id == parent)
                         .values(status=BroadcastStatus.CANCELLED, cancelled_at=clock()))
    assert await broadcasts.cancel(app.database, OPERATOR, parent, clock()) == 3
    assert await _unsent(app, copy) == 0
    with pytest.raises(broadcasts.BroadcastError, match="already cancelled"):
        await broadcasts.cancel(app.database, OPERATOR, parent, clock())


ST_MARKS = "texts: {en: Free flu jabs on Saturday.}\naudience: {areas: [St Mark's]}\n"


def test_sending_to_an_area_with_no_champions_is_refused_and_nothing_is_queued(
    newcomer: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "stmarks.yaml").write_text(ST_MARKS, encoding="utf-8")
    made = champbot("broadcast", "create", "stmarks.yaml", environ=newcomer, cwd=tmp_path)
    broadcast = made.stdout.strip()
    assert broadcast.isdigit()
    assert ("champbot: nobody matches its audience yet: `champbot broadcast send "
            f"{broadcast}` is refused until someone does") in made.stderr

    sent = champbot("broadcast", "send", broadcast, environ=newcomer, cwd=tmp_path, ok=False)

    assert sent.returncode == 2 and sent.stdout == ""
    assert sent.stderr.strip() == (
        "champbot: nobody matches the audience, so no one would receive it: choose another "
        "audience (nothing was queued; see `champbot people list` for who is where)")
    data = json.loads(champbot("broadcast", "report", broadcast, "--json", environ=newcomer,
                               cwd=tmp_path).stdout)
    assert data["status"] == "draft" and data["recipients"] == 0
    assert sum(data["totals"].values()) == 0


def test_create_now_to_nobody_is_refused_and_makes_nothing(
    newcomer: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "stmarks.yaml").write_text(ST_MARKS, encoding="utf-8")
    made = champbot("broadcast", "create", "stmarks.yaml", "--now", environ=newcomer,
                    cwd=tmp_path, ok=False)
    assert made.returncode == 2 and made.stdout == ""
    assert "nobody matches the audience, so no one would receive it" in made.stderr
    assert champbot("broadcast", "list", environ=newcomer, cwd=tmp_path).stdout == ""


def test_a_broadcast_for_later_to_nobody_yet_is_kept_and_says_so(
    newcomer: dict[str, str], tmp_path: Path
) -> None:
    later = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    (tmp_path / "later.yaml").write_text(ST_MARKS + f"at: {later.isoformat()}\n",
                                         encoding="utf-8")
    made = champbot("broadcast", "create", "later.yaml", environ=newcomer, cwd=tmp_path)
    assert made.stdout.strip().isdigit()
    assert made.stderr.strip() == (
        "champbot: nobody matches its audience yet: unless people join before it starts "
        f"({later:%Y-%m-%d %H:%M} UTC), no one will receive it")
    listed = champbot("broadcast", "list", environ=newcomer, cwd=tmp_path).stdout
    assert "scheduled" in listed


async def _area(app: App, name: str) -> str:
    async with app.database.transaction() as db:
        return str(await db.scalar(select(Area.id).where(Area.name == name)))


@pytest.mark.usefixtures("programme")
async def test_the_dashboard_refuses_sending_now_to_nobody_and_keeps_the_form(
        app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    await add_champion(app, "console", "c1", "en")  # in Northfield
    st_marks = await _area(app, "St Mark's")
    async with browser(app) as client:
        await sign_in(app, client, carol)
        token = csrf((await client.get("/dashboard/broadcasts/new")).text)
        page = await client.post("/dashboard/broadcasts/new", data={
            "csrf": token, "action": "send", "text_en": "hi", "text_ur": FLU_TEXTS["ur"],
            "when": "now", "areas": st_marks, "urgent": "1"})
    assert page.status_code == 200
    said = page.text.split('role="alert">')[1].split("</p>")[0]
    assert said == ("Nothing was sent. Please check the form: nobody matches the audience, so "
                    "no one would receive it: choose another audience")
    assert "Nobody matches: no one would receive it." in page.text
    assert f'name="areas" value="{st_marks}" checked' in page.text  # what they chose is kept
    assert ">hi</textarea>" in page.text and FLU_TEXTS["ur"] in page.text
    assert 'name="urgent" value="1" checked' in page.text
    async with app.database.transaction() as db:
        assert list(await db.scalars(select(Broadcast))) == []
        assert list(await db.scalars(select(OutboxMessage))) == []


@pytest.mark.usefixtures("programme")
async def test_the_dashboard_keeps_a_later_broadcast_to_nobody_and_says_nobody_matches_yet(
        app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with browser(app) as client:
        await sign_in(app, client, carol)
        token = csrf((await client.get("/dashboard/broadcasts/new")).text)
        sent = await client.post("/dashboard/broadcasts/new", data={
            "csrf": token, "action": "send", "text_en": "hi", "when": "later",
            "at": "2026-11-21T09:30", "areas": await _area(app, "St Mark's")})
        assert sent.status_code == 303
        page = await client.get(sent.headers["location"])
    assert "The broadcast was saved. It is sent at its time" in page.text
    assert ("Nobody matches its audience yet: unless people join before it starts, no one "
            "will receive it.") in page.text


@pytest.mark.usefixtures("programme")
async def test_the_dashboard_says_a_broadcast_sent_now_is_being_sent(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    await add_champion(app, "console", "c1", "en")
    async with browser(app) as client:
        await sign_in(app, client, carol)
        token = csrf((await client.get("/dashboard/broadcasts/new")).text)
        sent = await client.post("/dashboard/broadcasts/new", data={
            "csrf": token, "action": "send", "text_en": "hi", "when": "now"})
        page = await client.get(sent.headers["location"])
    assert "The broadcast is being sent; reload this page to see the counts." in page.text
    assert "It is sent at its time" not in page.text
    assert "Nobody matches its audience yet" not in page.text


@pytest.mark.usefixtures("programme")
async def test_at_its_time_a_broadcast_to_nobody_starts_and_its_page_says_it_went_to_no_one(
        app: App, clock: FakeClock) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    made = await send(app, OPERATOR, audience={"areas": ["St Mark's"]},
                      at=clock() + timedelta(minutes=10), now=False)
    clock.advance(minutes=10)
    (started,) = await broadcasts.tick(app.database, app.settings, clock())
    assert started.recipients == 0
    assert await broadcasts.tick(app.database, app.settings, clock()) == []  # not again
    async with browser(app) as client:
        await sign_in(app, client, carol)
        page = await client.get(f"/dashboard/broadcasts/{made}")
    assert "Nobody matched its audience when it started: it went to no one." in page.text
    assert "Not sent yet" not in page.text
