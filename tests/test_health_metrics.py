"""/healthz, /readyz and /metrics over HTTP: what an operator's monitoring sees."""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot import web
from bot.app import App
from bot.channels.base import RetryLater
from bot.dispatch import Dispatcher
from bot.services import outbox
from bot.settings import Settings
from bot.storage.database import Database
from flows.types import Reply
from tests.support.chat import Recorder, joined
from tests.support.clock import FakeClock


async def write(app: App, address: str, text: str) -> None:
    async with app.database.transaction() as session:
        outbox.enqueue(session, channel="console", address=address, reply=Reply(text),
                       now=app.clock())


async def get(app: App, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=web.build(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path)


def samples(page: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(page):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(page: str, name: str, **labels: str) -> float:
    return samples(page).get((name, tuple(sorted(labels.items()))), 0.0)


async def test_healthz_says_the_process_is_alive(app: App) -> None:
    response = await get(app, "/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_readyz_is_ready_when_the_database_answers_with_the_current_schema(
        app: App) -> None:
    response = await get(app, "/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ready"}


async def test_readyz_is_503_when_the_database_is_unreachable(
        settings: Settings, clock: FakeClock) -> None:
    # Nothing listens on port 1: the database cannot be reached.
    unreachable = App(settings, Database("postgresql+asyncpg://champbot@127.0.0.1:1/none"),
                      clock)
    try:
        response = await get(unreachable, "/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "database unavailable"}
        assert (await get(unreachable, "/healthz")).status_code == 200
        page = (await get(unreachable, "/metrics")).text
        assert value(page, "champbot_database_up") == 0
    finally:
        await unreachable.database.close()


async def test_readyz_is_503_when_the_schema_is_not_current(
        settings: Settings, clock: FakeClock, tmp_path: Path) -> None:
    empty = App(settings, Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"), clock)
    try:
        response = await get(empty, "/readyz")
        assert response.status_code == 503
        assert "champbot db upgrade" in response.json()["status"]
    finally:
        await empty.database.close()


async def test_metrics_show_turns_the_outbox_and_send_results(
        app: App, programme: object, clock: FakeClock) -> None:
    before = (await get(app, "/metrics")).text
    amina = await joined(app, "amina-metrics", name="Amina Yusuf")
    await amina.says("menu")
    await write(app, "bilal-metrics", "Welcome, Bilal")  # waiting for a dispatcher

    response = await get(app, "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    page = response.text
    turns = (value(page, "champbot_turns_total", channel="console", result="done")
             - value(before, "champbot_turns_total", channel="console", result="done"))
    assert turns == 7
    assert (value(page, "champbot_turn_duration_seconds_count", channel="console")
            - value(before, "champbot_turn_duration_seconds_count", channel="console")) == 7
    assert value(page, "champbot_inbound_total", channel="console") >= 7
    assert value(page, "champbot_outbox_rows", status="sent", channel="console") == 7
    assert value(page, "champbot_outbox_rows", status="pending", channel="console") == 1
    assert value(page, "champbot_outbox_oldest_pending_seconds") == 0  # just written
    sent = value(page, "champbot_sends_total", channel="console", result="sent")
    assert sent - value(before, "champbot_sends_total", channel="console", result="sent") == 7

    clock.advance(minutes=5)
    later = (await get(app, "/metrics")).text
    assert value(later, "champbot_outbox_oldest_pending_seconds") == 300

    # Nothing personal anywhere: no names, no addresses, no words anyone wrote.
    for private in ("Amina", "Yusuf", "Bilal", "amina-metrics", "bilal-metrics", "DEMO2026",
                    "Welcome"):
        assert private not in page


class Refusing(Recorder):
    async def send(self, message: object) -> RetryLater:  # type: ignore[override]
        return RetryLater("429 flood control: retry after 5s", after=5)


async def test_metrics_count_429s_and_retries(app: App, programme: object) -> None:
    before = (await get(app, "/metrics")).text
    await write(app, "sam-429", "Your session is on Monday.")
    await Dispatcher(app.database, [Refusing("console")], app.clock).drain()
    page = (await get(app, "/metrics")).text
    assert (value(page, "champbot_sends_total", channel="console", result="429")
            - value(before, "champbot_sends_total", channel="console", result="429")) == 1
    assert value(page, "champbot_outbox_rows", status="pending", channel="console") == 1


async def test_metrics_show_escalations_by_status_and_overdue_and_broadcast_progress(
        app: App, programme: object, clock: FakeClock) -> None:
    from tests.support.broadcasts import coordinator, send
    from tests.support.chat import make_coordinator
    from tests.support.partners import add_partner, partner_contact
    from tests.test_escalations import raise_concern

    housing = await add_partner(app)
    hana = await partner_contact(app, "hana-metrics", housing)
    await make_coordinator(app)
    amina = await joined(app, "amina-gauges", name="Amina Yusuf")
    await raise_concern(amina)  # routed to Northfield Housing, waiting to be acknowledged
    await raise_concern(amina, "The bins on Cedar Road are not emptied.", category="7")
    page = (await get(app, "/metrics")).text
    assert value(page, "champbot_escalations", status="new") == 2
    assert value(page, "champbot_escalations", status="acknowledged") == 0
    assert value(page, "champbot_escalations_unrouted") == 1  # no partner takes "other"
    assert value(page, "champbot_escalations_overdue") == 0

    clock.advance(days=7)  # past the working days a partner has to acknowledge
    page = (await get(app, "/metrics")).text
    assert value(page, "champbot_escalations_overdue") == 1
    await hana.says("menu")
    await hana.says("1")  # new and open concerns
    await hana.says("1")  # the first
    await hana.says("1")  # acknowledge
    hana.sees("C-1001 is now: Acknowledged.")
    page = (await get(app, "/metrics")).text
    assert value(page, "champbot_escalations", status="acknowledged") == 1
    assert value(page, "champbot_escalations_overdue") == 0

    carol = await coordinator(app)
    made = await send(app, carol, {"en": "Free flu jabs on Saturday."})
    page = (await get(app, "/metrics")).text
    assert value(page, "champbot_broadcasts", status="started") == 1
    waiting = value(page, "champbot_broadcast_messages", status="pending")
    assert waiting >= 1
    await Dispatcher(app.database, [Recorder("console")], app.clock).drain()
    page = (await get(app, "/metrics")).text
    assert value(page, "champbot_broadcast_messages", status="pending") == 0
    assert value(page, "champbot_broadcast_messages", status="sent") == waiting
    assert made and "Amina" not in page and "Cedar" not in page and "flu" not in page
