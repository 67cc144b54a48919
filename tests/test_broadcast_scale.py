"""Imported champions get a broadcast through the dispatcher, each exactly once.

The suite runs 2,000; `BROADCAST_SCALE=20000` runs the must-show's size. Killing
`champbot run` twice in the middle is tests/test_broadcast_crash.py."""

from __future__ import annotations

import os
from collections import Counter

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.dispatch import Dispatcher
from bot.services import people_import
from bot.services.permissions import OPERATOR
from bot.storage.models import Person
from tests.support.broadcasts import report, send
from tests.support.chat import Recorder

pytestmark = pytest.mark.usefixtures("programme")

CHAMPIONS = int(os.environ.get("BROADCAST_SCALE", "2000"))


async def test_imported_champions_each_receive_it_exactly_once(
    app: App,
) -> None:
    languages = ("en", "ur", "bn", "pl", "so")
    lines = ["name,channel,address,language,area,topics,consent_version,consented_on"]
    lines += [f"Champion {n},telegram,{500000 + n},{languages[n % 5]},Northfield,,v1,2026-10-14"
              for n in range(CHAMPIONS)]
    async with app.database.transaction() as session:
        areas = await people_import.area_codes(session)
        rows, problems = people_import.read_csv("\n".join(lines), areas)
        assert problems == []
        await people_import.import_rows(session, rows, areas, app.clock())
        assert await session.scalar(select(func.count()).select_from(Person)) == CHAMPIONS

    made = await send(app, OPERATOR, audience={"areas": ["Northfield"]})
    recorder = Recorder("telegram")
    dispatcher = Dispatcher(app.database, [recorder], app.clock, batch=1000, concurrency=100)
    await dispatcher.drain()

    received = Counter(message.address for message in recorder.sent)
    assert len(received) == CHAMPIONS and set(received.values()) == {1}
    languages_seen = Counter(message.reply.language for message in recorder.sent)
    assert languages_seen == {code: CHAMPIONS // 5 for code in languages}
    counts = await report(app, OPERATOR, made)
    assert counts["recipients"] == CHAMPIONS and counts["totals"]["sent"] == CHAMPIONS
