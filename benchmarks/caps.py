"""A broadcast sent by `champbot run` to local servers that enforce the platforms' caps
(Twilio: 80 WhatsApp messages a second; Telegram: 30 a second in bulk), a 429 for any
message over them: the rate achieved against each cap, and how many 429s came back.

The recipients are champions put straight into the database (as `people import` does);
the WhatsApp ones wrote lately (inside their 24 hours), so each gets the broadcast
itself, not a template. The rate is the messages after the first over the time from the
first to the last, as the server saw them arrive. On PostgreSQL the broadcast is sent
again by two processes (`--role all` and `--role dispatcher`), which share the caps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from benchmarks import databases, rows
from benchmarks.channels import Platforms, champbot_environ
from benchmarks.figures import Figure
from bot.services import broadcasts
from bot.services.permissions import OPERATOR
from bot.storage.database import Database
from tests.support.processes import Champbot, within
from tests.support.servers import serve

CAPS = {"whatsapp": 80.0, "telegram": 30.0}  # the platforms' defaults (bot.settings)
TEXTS = {"en": "Free flu jabs at the Riverside centre on Saturday, 10 till 2."}
PEOPLE = rows.COUNTER + """
INSERT INTO people (role, status, language, area_id, topics, created_at, updated_at)
SELECT 'champion', 'active', 'en', :area, '[]', :now, :now FROM n
"""
# The first :whatsapp people on WhatsApp (they wrote just now), the rest on Telegram.
IDENTITIES = """
INSERT INTO identities (person_id, channel, address, created_at, last_inbound_at)
SELECT id, CASE WHEN id <= :whatsapp THEN 'whatsapp' ELSE 'telegram' END,
       CASE WHEN id <= :whatsapp THEN '+4477' || CAST(10000000 + id AS VARCHAR(20))
            ELSE CAST(900000000 + id AS VARCHAR(20)) END, :now, :now
FROM people WHERE role = 'champion'
"""


async def _champions(database: Database, whatsapp: int, telegram: int, now: datetime) -> None:
    async with database.transaction() as session:
        area = await session.scalar(text("SELECT min(id) FROM areas"))
        stamp = rows.stamp(session, now)
        first = await session.scalar(text("SELECT coalesce(max(id), 0) FROM people"))
        await session.execute(text(PEOPLE), {"count": whatsapp + telegram, "area": area,
                                             "now": stamp})
        await session.execute(text(IDENTITIES), {"whatsapp": first + whatsapp, "now": stamp})


async def measure(folder: Path, whatsapp: int, telegram: int) -> list[Figure]:
    url = await databases.fresh(folder, "caps")
    found = await _broadcast(folder, url, whatsapp, telegram, dispatchers=1)
    if url.startswith("postgresql"):
        url = await databases.fresh(folder, "caps")
        found += await _broadcast(folder, url, whatsapp, telegram, dispatchers=2)
    return found


async def _broadcast(folder: Path, url: str, whatsapp: int, telegram: int,
                     dispatchers: int) -> list[Figure]:
    now = datetime.now(UTC)
    app = await databases.open_app(url, now, BROADCAST_QUIET_HOURS="off")
    platforms = Platforms(caps=CAPS)
    try:
        await _champions(app.database, whatsapp, telegram, now)
        async with serve(platforms.app) as local:
            environ = {**champbot_environ(url, local, folder), "BROADCAST_QUIET_HOURS": "off"}
            started = []
            try:
                for role in ["all"] + ["dispatcher"] * (dispatchers - 1):
                    process = Champbot(environ, role, folder)
                    process.env["PUBLIC_BASE_URL"] = process.url
                    started.append(process.start())
                for process in started:
                    await process.serving()
                await asyncio.wait_for(platforms.webhook_set.wait(), 60)
                made = await broadcasts.create(app.database, app.settings, OPERATOR,
                                               broadcasts.Request(texts=TEXTS), now)
                await broadcasts.start(app.database, app.settings, OPERATOR, made, now)
                wanted = {"whatsapp": whatsapp, "telegram": telegram}

                async def all_sent() -> bool:
                    return all(len(platforms.accepted[p]) >= wanted[p] for p in CAPS)

                await within(30 + 3 * max(wanted[p] / CAPS[p] for p in CAPS), all_sent,
                             "the broadcast sent to everyone")
            finally:
                for process in started:
                    await process.stop()
    finally:
        await app.database.close()
    found = []
    by = "" if dispatchers == 1 else f", {dispatchers} dispatchers"
    for platform, cap in CAPS.items():
        times = platforms.accepted[platform]
        rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
        name = "WhatsApp" if platform == "whatsapp" else "Telegram"
        note = (f"{len(times)} recipients; baseline: the cap; "
                f"429s received: {platforms.refused[platform]}")
        found.append(Figure("caps", f"{name} broadcast{by or ' vs its cap'}", "msg/s",
                            rate, cap, note=note))
    return found
