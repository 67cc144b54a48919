"""The dashboard over plain HTTP: signing in by a one-time link, sessions, and its pages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.app import App
from bot.dashboard import sessions
from bot.storage.models import AuditEntry, Person, Role, Status
from tests.support.clock import FakeClock
from tests.support.dashboard import add_activity, browser, csrf, link_for, sign_in
from tests.support.people import add_person


async def test_a_coordinator_signs_in_by_link_and_sees_the_overview(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with browser(app) as client:
        signed = await sign_in(app, client, carol)
        assert signed.status_code == 303 and signed.headers["location"] == "/dashboard/"
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/dashboard" in cookie
        page = await client.get("/dashboard/")
    assert page.status_code == 200
    assert "Overview" in page.text and "Nothing needs your attention right now." in page.text


async def test_opening_a_link_does_not_use_it_pressing_the_button_does(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    link = (await link_for(app, carol)).removeprefix("http://test")
    async with browser(app) as client:
        for _ in range(2):  # a chat app's link preview opens it too
            assert (await client.get(link)).status_code == 200
        assert (await client.post(link)).status_code == 303
        again = await client.post(link)
    assert again.status_code == 410 and "already been used" in again.text


async def test_an_expired_or_forged_link_gets_a_clear_page_and_is_audited(
        app: App, clock: FakeClock) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    link = (await link_for(app, carol)).removeprefix("http://test")
    clock.advance(minutes=16)
    async with browser(app) as client:
        expired = await client.post(link)
        forged = await client.post(link[:-3] + "abc")
    assert expired.status_code == 410 and "has expired" in expired.text
    assert forged.status_code == 400 and "is not valid" in forged.text
    async with app.database.transaction() as session:
        reasons = [e.detail["reason"] for e in await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "signin_refused"))]
    assert sorted(reasons) == ["expired", "forged"]


async def test_repeated_bad_links_are_slowed_down(app: App) -> None:
    async with browser(app) as client:
        answers = [(await client.post(f"/dashboard/signin/bad{n}")).status_code
                   for n in range(7)]
    assert answers[:5] == [400] * 5 and answers[5:] == [429, 429]


async def test_a_champion_cannot_sign_in(app: App) -> None:
    sam = await add_person(app, Role.CHAMPION, address="sam")
    async with browser(app) as client:
        refused = await sign_in(app, client, sam)
        page = await client.get("/dashboard/")
    assert refused.status_code == 403 and "for coordinators" in refused.text
    assert page.status_code == 401


async def test_a_session_ends_when_idle_and_on_sign_out(app: App, clock: FakeClock) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with browser(app) as client:
        await sign_in(app, client, carol)
        clock.advance(minutes=20)
        assert (await client.get("/dashboard/")).status_code == 200
        clock.advance(minutes=20)  # the last visit renewed it
        page = await client.get("/dashboard/")
        assert page.status_code == 200
        clock.advance(minutes=sessions.IDLE.total_seconds() / 60 + 1)
        assert (await client.get("/dashboard/")).status_code == 401
        await sign_in(app, client, carol)
        token = csrf((await client.get("/dashboard/")).text)
        out = await client.post("/dashboard/signout", data={"csrf": token})
        assert out.status_code == 200 and "signed out" in out.text
        assert (await client.get("/dashboard/")).status_code == 401


async def test_a_form_without_its_token_changes_nothing(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    pending = await add_person(app, Role.CHAMPION, Status.PENDING, address="pat")
    async with browser(app) as client:
        await sign_in(app, client, carol)
        refused = await client.post(f"/dashboard/champions/{pending}/approve",
                                    data={"csrf": "guess"})
    assert refused.status_code == 403
    async with app.database.transaction() as session:
        assert (await session.get(Person, pending)).status == Status.PENDING  # type: ignore[union-attr]


async def test_champions_are_listed_searched_approved_and_paused(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    pending = await add_person(app, Role.CHAMPION, Status.PENDING, address="pat")
    async with app.database.transaction() as session:
        person = await session.get(Person, pending)
        assert person is not None
        person.display_name = "Patience"
    async with browser(app) as client:
        await sign_in(app, client, carol)
        listing = await client.get("/dashboard/champions", params={"q": "pati"})
        assert "1 champion found" in listing.text and "Patience" in listing.text
        record = await client.get(f"/dashboard/champions/{pending}")
        approved = await client.post(f"/dashboard/champions/{pending}/approve",
                                     data={"csrf": csrf(record.text)})
        assert approved.status_code == 303
        record = await client.get(f"/dashboard/champions/{pending}")
        assert "Active" in record.text and "Pause" in record.text
        await client.post(f"/dashboard/champions/{pending}/pause",
                          data={"csrf": csrf(record.text)})
        record = await client.get(f"/dashboard/champions/{pending}")
    assert "Paused" in record.text
    async with app.database.transaction() as session:
        actions = [e.action for e in await session.scalars(
            select(AuditEntry).where(AuditEntry.person_id == pending).order_by(AuditEntry.id))]
    assert actions == ["approved", "paused"]


async def test_an_invite_shows_the_code_the_link_and_a_qr_code(app: App) -> None:
    app.settings = app.settings.model_copy(update={"telegram_bot_username": "RiversideBot"})
    carol = await add_person(app, Role.COORDINATOR)
    async with browser(app) as client:
        await sign_in(app, client, carol)
        form = await client.get("/dashboard/champions/invite")
        made = await client.post("/dashboard/champions/invite",
                                 data={"csrf": csrf(form.text), "uses": "20"})
    assert made.status_code == 200
    assert "Invite code" in made.text and "https://t.me/RiversideBot?start=" in made.text
    assert 'src="data:image/svg+xml;base64,' in made.text and "It works for 20 people" in made.text


@pytest.mark.parametrize(("code", "uses", "said"), [
    ("en", "1", "It works for 1 person until"), ("pl", "1", "Działa dla 1 osoby do"),
    ("pl", "5", "Działa dla 5 osób do"), ("ar", "2", "يعمل لـ 2 شخصين حتى")])
async def test_an_invite_for_one_person_says_person(app: App, code: str, uses: str,
                                                    said: str) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with app.database.transaction() as session:
        person = await session.get(Person, carol)
        assert person is not None
        person.language = code
    async with browser(app) as client:
        await sign_in(app, client, carol)
        form = await client.get("/dashboard/champions/invite")
        made = await client.post("/dashboard/champions/invite",
                                 data={"csrf": csrf(form.text), "uses": uses})
    assert said in made.text


async def test_an_invite_without_the_bot_username_says_how_to_get_the_link(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with browser(app) as client:
        await sign_in(app, client, carol)
        form = await client.get("/dashboard/champions/invite")
        made = await client.post("/dashboard/champions/invite",
                                 data={"csrf": csrf(form.text), "uses": "1"})
    assert "Invite code" in made.text and "set TELEGRAM_BOT_USERNAME" in made.text
    assert "t.me" not in made.text and "data:image/svg" not in made.text


async def test_the_pages_work_with_no_data_at_all(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with browser(app) as client:
        await sign_in(app, client, carol)
        for path in ("/dashboard/", "/dashboard/champions", "/dashboard/impact",
                     "/dashboard/audit", f"/dashboard/champions/{carol}",
                     "/dashboard/impact/export?format=xlsx"):
            page = await client.get(path)
            assert page.status_code in (200, 404), (path, page.text)


async def test_long_lists_come_a_page_at_a_time(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    now = app.clock()
    async with app.database.transaction() as session:
        session.add_all([Person(role=Role.CHAMPION, status=Status.ACTIVE, language="en",
                                display_name=f"Champion {n}", topics=[], created_at=now,
                                updated_at=now) for n in range(120)])
    async with browser(app) as client:
        await sign_in(app, client, carol)
        first = await client.get("/dashboard/champions")
        last = await client.get("/dashboard/champions", params={"page": "3"})
        beyond = await client.get("/dashboard/champions", params={"page": "99"})
    assert "120 champions found" in first.text and "Page 1 of 3" in first.text
    assert last.text.count("<tr>") == 21 and "Page 3 of 3" in last.text  # 20 rows + heading
    assert "Page 3 of 3" in beyond.text


async def test_the_impact_page_shows_each_breakdown_with_its_table(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    await add_activity(app, None, date(2026, 10, 3), 12, topic="diabetes")
    await add_activity(app, None, date(2026, 11, 5), 30, topic="vaccination", minutes=90)
    async with browser(app) as client:
        await sign_in(app, client, carol)
        page = await client.get("/dashboard/impact",
                                params={"from": "2026-11-01", "to": "2026-11-30"})
        bad = await client.get("/dashboard/impact", params={"from": "2026-12-01",
                                                             "to": "2026-01-01"})
    assert page.status_code == 200
    assert "Vaccination" in page.text and "Diabetes" not in page.text
    assert "November 2026" in page.text and "A group talk or session" in page.text
    assert "did not make a range" in bad.text


async def test_an_impact_file_for_dates_that_make_no_range_is_refused_not_swapped(
        app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    await add_activity(app, None, date(2026, 11, 5), 30, topic="vaccination", minutes=90)
    async with browser(app) as client:
        await sign_in(app, client, carol)
        no_month = await client.get("/dashboard/impact/export", params={
            "from": "2026-13-01", "to": "2026-11-30", "format": "csv"})
        backwards = await client.get("/dashboard/impact/export", params={
            "from": "2026-12-01", "to": "2026-01-01", "format": "xlsx"})
        good = await client.get("/dashboard/impact/export", params={
            "from": "2026-11-01", "to": "2026-11-30", "format": "csv"})
    for refused in (no_month, backwards):
        assert refused.status_code == 400
        assert "content-disposition" not in refused.headers  # no file for other dates
        assert ("Those dates did not make a range, so nothing was exported. Choose the dates "
                "on the Impact page and export again.") in refused.text
    assert good.status_code == 200 and "Vaccination,1,30,1.5" in good.text.replace("\r\n", "\n")


async def test_the_impact_page_and_its_files_take_the_widest_dates(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    await add_activity(app, None, date(2026, 11, 5), 30, topic="vaccination", minutes=90)
    widest = {"from": "0001-01-01", "to": "9999-12-31"}
    async with browser(app) as client:
        await sign_in(app, client, carol)
        page = await client.get("/dashboard/impact", params=widest)
        exported = await client.get("/dashboard/impact/export",
                                    params={**widest, "format": "csv"})
    assert page.status_code == 200 and "did not make a range" not in page.text
    assert "November 2026" in page.text and "Vaccination" in page.text
    assert 'value="9999-12-31"' in page.text
    assert exported.status_code == 200
    assert "Vaccination,1,30,1.5" in exported.text.replace("\r\n", "\n")


async def test_the_overview_says_what_needs_attention(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    await add_person(app, Role.CHAMPION, Status.PENDING, address="pat")
    await add_person(app, Role.CHAMPION, Status.PENDING, address="sue")
    async with app.database.transaction() as session:
        from bot.services import outbox
        from bot.storage.models import OutboxStatus
        from flows.types import Reply

        row = outbox.enqueue(session, channel="console", address="pat", reply=Reply("hi"),
                             now=app.clock())
        row.status = OutboxStatus.DEAD
    async with browser(app) as client:
        await sign_in(app, client, carol)
        page = await client.get("/dashboard/")
    assert "2 people are waiting for your approval" in page.text
    assert "1 message could not be delivered" in page.text
    assert "Nothing needs your attention" not in page.text


async def test_the_audit_log_says_who_did_what_in_words(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    pending = await add_person(app, Role.CHAMPION, Status.PENDING, address="pat")
    async with app.database.transaction() as session:
        for person_id, name in ((carol, "Carol"), (pending, "Patience")):
            person = await session.get(Person, person_id)
            assert person is not None
            person.display_name = name
    async with browser(app) as client:
        await sign_in(app, client, carol)
        record = await client.get(f"/dashboard/champions/{pending}")
        await client.post(f"/dashboard/champions/{pending}/approve",
                          data={"csrf": csrf(record.text)})
        page = await client.get("/dashboard/audit")
    assert f"Carol (number {carol})" in page.text
    assert "Approved to start" in page.text and f"Patience (number {pending})" in page.text
    assert "Signed in to the dashboard" in page.text


async def test_every_page_works_with_ten_thousand_rows(app: App) -> None:
    from sqlalchemy import insert

    from bot.storage.models import Activity

    carol = await add_person(app, Role.COORDINATOR)
    now = app.clock()
    async with app.database.transaction() as session:
        await session.execute(insert(Person), [
            {"role": Role.CHAMPION, "status": Status.ACTIVE, "language": "en",
             "display_name": f"Champion {n}", "topics": [], "created_at": now,
             "updated_at": now} for n in range(10_000)])
        await session.execute(insert(Activity), [
            {"person_id": carol + 1 + n % 100, "kind": "group", "topic": "diabetes",
             "happened_on": date(2026, 1 + n % 11, 1 + n % 28), "venue": "online",
             "people_reached": 3, "minutes_given": 30, "created_at": now}
            for n in range(10_000)])
        await session.execute(insert(AuditEntry), [
            {"actor": "cli", "action": "approved", "person_id": n, "detail": {},
             "created_at": now} for n in range(10_000)])
    async with browser(app) as client:
        await sign_in(app, client, carol)
        listing = await client.get("/dashboard/champions", params={"page": "150"})
        record = await client.get(f"/dashboard/champions/{carol + 1}")
        impact = await client.get("/dashboard/impact", params={"from": "2026-01-01",
                                                               "to": "2026-12-31"})
        audit = await client.get("/dashboard/audit", params={"page": "201"})
        overview = await client.get("/dashboard/")
    assert "10,000 champions found" in listing.text and "Page 150 of 200" in listing.text
    assert "Page 1 of 2" in record.text  # 100 activities, 50 a page
    assert "30,000" in impact.text  # people reached
    assert "Page 201 of 201" in audit.text
    assert overview.status_code == 200


async def test_asking_too_often_for_links_by_email_says_so_and_not_to_ask_a_bot(app: App) -> None:
    async with browser(app) as client:
        answers = [await client.post("/dashboard/signin", data={"email": "gp@surgery.example"})
                   for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert "Too many sign-in links were asked for from here." in answers[-1].text
    assert "did not work" not in answers[-1].text and "/dashboard to the bot" not in \
        answers[-1].text
