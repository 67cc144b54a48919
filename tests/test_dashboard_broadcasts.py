"""The Broadcasts page over plain HTTP: compose with a text per language, count the
audience, send now or later, cancel, and each broadcast's report."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape
from sqlalchemy import select

from bot.app import App
from bot.storage.broadcasts import Broadcast, BroadcastStatus
from bot.storage.models import Area, Person, Role
from flows.i18n import _, language, moment
from tests.support.broadcasts import FLU_TEXTS, add_champion
from tests.support.chat import Recorder, joined
from tests.support.clock import FakeClock
from tests.support.dashboard import browser, csrf, sign_in
from tests.support.people import add_person

pytestmark = pytest.mark.usefixtures("programme")


async def _northfield(app: App) -> str:
    async with app.database.transaction() as db:
        found = await db.scalar(select(Area.id).where(Area.name == "Northfield"))
    return str(found)


async def test_counting_shows_people_per_language_and_the_missing_texts(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    for n, code in enumerate(("en", "ur", "ur", "pl")):
        await add_champion(app, "console", f"c{n}", code)
    await add_champion(app, "console", "elsewhere", "en", area="Eastgate")
    async with browser(app) as client:
        await sign_in(app, client, carol)
        form = await client.get("/dashboard/broadcasts/new")
        assert "5 people in all." in form.text
        counted = await client.post("/dashboard/broadcasts/new", data={
            "csrf": csrf(form.text), "action": "count", "areas": await _northfield(app),
            "text_en": FLU_TEXTS["en"], "text_ur": FLU_TEXTS["ur"]})
    assert "4 people in all." in counted.text
    missing = counted.text.split("No text yet in these languages")[1].split("</ul>")[0]
    assert "Polski: 1 person" in missing and "اردو" not in missing
    assert FLU_TEXTS["ur"] in counted.text  # what was typed is kept
    async with app.database.transaction() as db:
        assert list(await db.scalars(select(Broadcast))) == []  # counting sends nothing


async def test_a_broadcast_sent_now_reaches_each_champion_and_the_report_counts_it(
        app: App) -> None:
    recorder = Recorder("console")
    people = {code: await joined(app, f"champion-{code}", code, recorder=recorder)
              for code in ("en", "ur")}
    await joined(app, "champion-away", "en", area="Eastgate", recorder=recorder)
    carol = await add_person(app, Role.COORDINATOR, address="carol-desk")
    async with browser(app) as client:
        await sign_in(app, client, carol)
        form = await client.get("/dashboard/broadcasts/new")
        sent = await client.post("/dashboard/broadcasts/new", data={
            "csrf": csrf(form.text), "action": "send", "areas": await _northfield(app),
            "text_en": FLU_TEXTS["en"], "text_ur": FLU_TEXTS["ur"], "when": "now"})
        assert sent.status_code == 303
        got = {code: await chat.reads() for code, chat in people.items()}
        await people["ur"].says("2")  # not clear
        await people["en"].says("1")  # useful
        report = await client.get(sent.headers["location"])
        listing = await client.get("/dashboard/broadcasts")
        await people["ur"].says("FORGET")
        await people["ur"].says("1")
        after = await client.get(sent.headers["location"])
    assert FLU_TEXTS["en"] in got["en"] and FLU_TEXTS["ur"] in got["ur"]
    by_language = report.text.split('id="by-language"')[1].split("</table>")[0]
    assert "English" in by_language and "اردو" in by_language
    totals = report.text.split('id="by-channel"')[1].split("</table>")[0]
    assert "Simulator" in totals
    assert "<dt>People</dt><dd>2</dd>" in report.text
    answers = report.text.split('id="answers"')[1].split("</table>")[0]
    assert ('اردو</th><td class="num">0</td><td class="num">1</td>' in answers
            and 'English</th><td class="num">1</td><td class="num">0</td>' in answers)
    assert FLU_TEXTS["en"][:40] in listing.text and "Started" in listing.text
    assert ("<dt>People</dt><dd>2 (1 asked to be forgotten since: not in the counts "
            "below)</dd>") in after.text


async def test_a_later_broadcast_waits_and_can_be_cancelled(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    await add_champion(app, "console", "c1", "en")
    async with browser(app) as client:
        await sign_in(app, client, carol)
        token = csrf((await client.get("/dashboard/broadcasts/new")).text)
        past = await client.post("/dashboard/broadcasts/new", data={
            "csrf": token, "action": "send", "text_en": "Hello", "when": "later",
            "at": "2026-11-19T09:00"})
        assert "Choose a time in the future" in past.text
        garbled = await client.post("/dashboard/broadcasts/new", data={
            "csrf": token, "action": "send", "text_en": "Hello", "when": "sometime"})
        assert "Choose a time in the future, or send now." in garbled.text
        async with app.database.transaction() as db:
            assert list(await db.scalars(select(Broadcast))) == []  # nothing was sent
        later = await client.post("/dashboard/broadcasts/new", data={
            "csrf": token, "action": "send", "text_en": "Hello", "when": "later",
            "at": "2026-11-21T09:30", "urgent": "1"})
        assert later.status_code == 303
        broadcast_id = later.headers["location"].split("/")[-1].split("?")[0]
        cancelled = await client.post(f"/dashboard/broadcasts/{broadcast_id}/cancel",
                                      data={"csrf": token})
        page = await client.get(cancelled.headers["location"])
    assert "Cancelled: 0 messages were not sent." in page.text
    async with app.database.transaction() as db:
        made = await db.get(Broadcast, int(broadcast_id))
    assert made is not None and made.status == BroadcastStatus.CANCELLED and made.urgent
    assert made.at is not None and made.at.isoformat().startswith("2026-11-21T09:30")


async def test_without_a_text_in_the_default_language_nothing_is_sent(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with browser(app) as client:
        await sign_in(app, client, carol)
        token = csrf((await client.get("/dashboard/broadcasts/new")).text)
        page = await client.post("/dashboard/broadcasts/new", data={
            "csrf": token, "action": "send", "text_ur": FLU_TEXTS["ur"], "when": "now"})
    assert page.status_code == 200 and "Nothing was sent" in page.text
    async with app.database.transaction() as db:
        assert list(await db.scalars(select(Broadcast))) == []


async def test_sent_now_in_quiet_hours_the_page_says_it_is_held_and_when_it_starts(
        app: App, clock: FakeClock) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    await add_champion(app, "console", "c1", "en")
    clock.advance(hours=12)  # 22:00 in London: quiet until 08:00
    async with browser(app) as client:
        await sign_in(app, client, carol)
        token = csrf((await client.get("/dashboard/broadcasts/new")).text)
        sent = await client.post("/dashboard/broadcasts/new", data={
            "csrf": token, "action": "send", "text_en": "Hello", "when": "now"})
        assert sent.status_code == 303
        page = await client.get(sent.headers["location"])
        listing = await client.get("/dashboard/broadcasts")
    morning = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    with language("en"):
        starts = moment(morning, ZoneInfo("Europe/London"))
    assert f"Quiet hours: it is held and starts at {starts}." in page.text
    assert "It is sent at its time" not in page.text
    assert f"<dt>When</dt><dd>{starts}</dd>" in page.text and "Scheduled" in page.text
    assert f"{starts} (quiet hours)" in listing.text
    async with app.database.transaction() as db:
        [made] = list(await db.scalars(select(Broadcast)))
    assert made.status == BroadcastStatus.SCHEDULED and made.held_until == morning


async def test_problems_with_the_form_are_said_in_the_dashboards_language(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with app.database.transaction() as db:
        person = await db.get(Person, carol)
        assert person is not None
        person.language = "ar"
    async with browser(app) as client:
        await sign_in(app, client, carol)
        token = csrf((await client.get("/dashboard/broadcasts/new")).text)
        pages = [await client.post("/dashboard/broadcasts/new", data={
            "csrf": token, "action": "send", "when": "now", **fields}) for fields in (
                {}, {"text_en": "Hello", "areas": "999"}, {"text_ur": FLU_TEXTS["ur"]})]
    said = [page.text.split('role="alert">')[1].split("</p>")[0] for page in pages]
    with language("ar"):
        check = _("Nothing was sent. Please check the form: {problem}", problem="")
        assert said == [check + _("the message has no text"),
                        check + escape(_("no area '{area}'", area="999")),
                        check + escape(_("a text in the programme's default language "
                                         "({language}) is needed: people without a "
                                         "translation get that one", language="English"))]
    assert said[0] == "لم يُرسل شيء. يرجى مراجعة النموذج: الرسالة بلا نص"
    for page in pages:
        assert page.status_code == 200 and "champbot" not in page.text
        assert "library_message" not in page.text and "texts" not in page.text
    async with app.database.transaction() as db:
        assert list(await db.scalars(select(Broadcast))) == []


async def test_the_list_and_an_unknown_report(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    async with browser(app) as client:
        await sign_in(app, client, carol)
        empty = await client.get("/dashboard/broadcasts")
        missing = await client.get("/dashboard/broadcasts/987654")
    assert "No broadcasts yet." in empty.text
    assert missing.status_code == 404




async def test_a_repeating_broadcasts_page_shows_each_time_it_went_out(
        app: App, clock: FakeClock) -> None:
    from datetime import timedelta

    from bot.services import broadcasts
    from bot.services.permissions import OPERATOR
    from tests.support.broadcasts import send

    carol = await add_person(app, Role.COORDINATOR)
    for n, code in enumerate(("en", "ur", "en")):
        await add_champion(app, "console", f"c{n}", code)
    parent = await send(app, OPERATOR, at=clock() + timedelta(minutes=1), repeat="weekly",
                        now=False)
    clock.advance(minutes=1)
    (started,) = await broadcasts.tick(app.database, app.settings, clock())
    copy = started.broadcast_id
    async with browser(app) as client:
        await sign_in(app, client, carol)
        page = await client.get(f"/dashboard/broadcasts/{parent}")
        copy_page = await client.get(f"/dashboard/broadcasts/{copy}")
    assert copy != parent and started.recipients == 3
    assert "Repeats weekly." in page.text and "Not sent yet" not in page.text
    times = page.text.split('id="copies"')[1].split("</table>")[0]
    assert (f'<a href="/dashboard/broadcasts/{copy}">Broadcast {copy}</a></th>'
            f'<td>{escape(moment(clock(), ZoneInfo("Europe/London")))}</td><td class="num">3</td>'
            '<td class="num">3</td>') in times  # People, then Queued
    last = page.text.split("The last time it went out:")[1]
    assert f"Broadcast {copy}</a>" in last.split("</h2>")[0]
    by_language = last.split('id="by-language"')[1].split("</table>")[0]
    assert 'English</th><td class="num">2</td>' in by_language
    assert 'اردو</th><td class="num">1</td>' in by_language
    assert ("One of the times a repeating broadcast went out: "
            f'<a href="/dashboard/broadcasts/{parent}">Broadcast {parent}</a>') in copy_page.text
    assert "<dt>People</dt><dd>3</dd>" in copy_page.text
