"""A broadcast to imported champions through `champbot run`, killed twice in the middle.

The must-show is 20,000 champions; the suite runs 2,000 at raised send rates to keep
CI short. The full size, at the channels' real rates (Telegram 30 a second, WhatsApp
80), is:

    BROADCAST_SCALE=20000 .venv/bin/pytest -q tests/test_broadcast_crash.py

(``BROADCAST_RATE=N`` sets both channels' rate for any size.) Half the champions are
on Telegram, half on WhatsApp, of whom half wrote to us lately (inside the 24 hours:
they get the text) and half never did (they get the broadcast template, and the text
when they answer). A Telegram send cut off by the kill has an unknown outcome and is
never resent: such a champion got it at most once, and the report says `unknown`.
WhatsApp sends cut off are checked against the Twilio server's message list.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot import dispatch
from bot.app import App, utc_now
from bot.services.permissions import OPERATOR
from bot.storage.models import Identity, OutboxMessage
from tests.support.broadcasts import FLU_TEXTS, finished
from tests.support.processes import ROOT, Champbot
from tests.support.servers import serve
from tests.support.telegram_server import FakeTelegram
from tests.support.twilio_server import FakeTwilio
from tests.support.whatsapp import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER, PUBLIC_BASE_URL

pytestmark = pytest.mark.usefixtures("programme")

SCALE = int(os.environ.get("BROADCAST_SCALE", "2000"))
# Send rates (a second): the channels' real ones at full size, raised in the suite.
RATE = os.environ.get("BROADCAST_RATE", "" if "BROADCAST_SCALE" in os.environ else "400")
TELEGRAM_RATE = int(os.environ.get("BROADCAST_RATE", "30" if "BROADCAST_SCALE" in os.environ
                                   else "100"))
# What a kill can leave unknown: the Telegram rows claimed then (Telegram keeps no
# record to check them against, so they are never resent).
CLAIMED_AT_ONCE = math.prod(dispatch.bulk_claims(TELEGRAM_RATE, recorded=False, batch=500))
LANGUAGES = ("en", "ur", "bn", "pl", "so")
HEADER = "name,channel,address,language,area,topics,consent_version,consented_on"
# What each language's champions read (Polish and Somali: the default, English, with a note).
TEXT_FOR = {code: FLU_TEXTS.get(code, FLU_TEXTS["en"]) for code in LANGUAGES}
TEMPLATE = {code: "HX" + f"{n:02x}" * 16 for n, code in enumerate(LANGUAGES)}


def telegram_chat(n: int) -> int:
    return 600_000 + n


def whatsapp_number(n: int) -> str:
    return f"+4475{n:08d}"


def spreadsheet(size: int) -> str:
    rows = [HEADER]
    for n in range(size):
        channel, address = (("telegram", str(telegram_chat(n))) if n % 2 == 0
                            else ("whatsapp", whatsapp_number(n)))
        rows.append(f"Champion {n},{channel},{address},{LANGUAGES[n // 2 % 5]},Northfield,,"
                    "v1,2026-10-14")
    return "\n".join(rows) + "\n"


async def champbot(environ: dict[str, str], cwd: Path, *args: str) -> str:
    """A CLI command in a process of its own; what it said on stdout and stderr."""
    result = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bot", *args], capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ}, cwd=cwd,
        timeout=120 + SCALE / 50, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


async def until(check: Callable[[], bool], progress: Callable[[], int], stalled: float,
                what: str) -> None:
    """Wait for ``check``; fail only when ``progress`` stands still for ``stalled`` seconds (a
    loaded machine is slow, a stuck dispatcher stops: only the second is a failure)."""
    seen, deadline = progress(), time.monotonic() + stalled
    while not check():
        if (now := progress()) != seen:
            seen, deadline = now, time.monotonic() + stalled
        assert time.monotonic() < deadline, f"nothing arrived for {stalled:g}s: {what}"
        await asyncio.sleep(0.05)


@pytest.mark.timeout(300 + SCALE // 10)
async def test_every_imported_champion_receives_it_once_though_run_is_killed_twice(
    app: App, environ: dict[str, str], tmp_path: Path
) -> None:
    twilio = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    templates = {"purposes": {"broadcast": {
        code: {"content_sid": sid, "variables": {"1": "{programme}"}}
        for code, sid in TEMPLATE.items()}}}
    (tmp_path / "templates.json").write_text(json.dumps(templates), encoding="utf-8")
    (tmp_path / "people.csv").write_text(spreadsheet(SCALE), encoding="utf-8")
    (tmp_path / "flu.json").write_text(json.dumps({"texts": FLU_TEXTS, "audience": "all"}),
                                       encoding="utf-8")
    async with FakeTelegram().running() as telegram, serve(twilio.app) as twilio.url:
        environ = {**environ, "BROADCAST_QUIET_HOURS": "off",
                   "TELEGRAM_BOT_TOKEN": telegram.token,
                   "TELEGRAM_API_BASE_URL": telegram.base_url, "TELEGRAM_MODE": "polling",
                   "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                   "TWILIO_WHATSAPP_FROM": BOT_NUMBER, "TWILIO_API_BASE_URL": twilio.url,
                   "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
                   "WHATSAPP_TEMPLATES_FILE": str(tmp_path / "templates.json")}
        if RATE:
            environ |= {"TELEGRAM_MESSAGES_PER_SECOND": str(TELEGRAM_RATE),
                        "WHATSAPP_MESSAGES_PER_SECOND": RATE}
        for n in range(0, SCALE, 2):
            telegram.person(telegram_chat(n))
        said = await champbot(environ, tmp_path, "people", "import", "people.csv")
        assert f"{SCALE} added, 0 updated, 0 bad row(s)" in said
        lately = {whatsapp_number(n) for n in range(1, SCALE, 4)}  # they wrote to us today
        async with app.database.transaction() as session:
            await session.execute(update(Identity).where(Identity.address.in_(lately))
                                  .values(last_inbound_at=utc_now()))
        said = await champbot(environ, tmp_path, "broadcast", "create", "flu.json", "--now")
        made = int(said.split()[0])
        assert f"{SCALE} recipient(s) queued" in said

        def received() -> int:
            return len(telegram.sends()) + len(twilio.accepted)

        started = time.monotonic()
        killed_at = []
        process = Champbot(environ, "all", tmp_path, log_to=tmp_path / "run.log").start()
        try:
            for share in (1 / 3, 2 / 3):  # killed twice in the middle
                await until(lambda share=share: received() >= SCALE * share, received, 90,
                            f"{share:.0%} of the broadcast to arrive")
                await process.stop(signal.SIGKILL)
                killed_at.append(received())
                process.start()
            counts = await finished(app, OPERATOR, made, seconds=120 + SCALE / 10)
        finally:
            await process.stop()
        took = time.monotonic() - started
        async with app.database.transaction() as session:
            rows = (await session.execute(
                select(OutboxMessage.channel, OutboxMessage.address, OutboxMessage.status)
                .where(OutboxMessage.broadcast_id == made))).all()

    print(f"\n{SCALE} recipients in {took:.0f}s (killed at {killed_at} received): "
          f"{counts['totals']}")
    assert all(at < SCALE for at in killed_at)  # the kills were in the middle
    assert "Traceback" not in process.log
    at_telegram = Counter(call.chat_id for call in telegram.sends())
    at_twilio = Counter(message.to for message in twilio.accepted)
    statuses = Counter(str(status) for _, _, status in rows)
    assert len(rows) == counts["recipients"] == SCALE

    unknown_arrived = 0
    for channel, address, status in rows:
        got = (at_telegram[int(address)] if channel == "telegram" else at_twilio[address])
        if str(status) == "unknown":
            unknown_arrived += got
            assert channel == "telegram" and got <= 1, (channel, status, got)
        else:
            assert str(status) in ("sent", "held") and got == 1, (channel, status, got)
    print(f"of {statuses['unknown']} unknown, {unknown_arrived} had reached Telegram")
    assert statuses["held"] == SCALE // 2 - len(lately)  # never wrote: told by template
    assert statuses["unknown"] <= 2 * CLAIMED_AT_ONCE  # at most one claim per kill

    for n in range(0, SCALE, 2):  # each in their language
        (message,) = telegram.chats[telegram_chat(n)] or [None]
        if message is not None:
            assert TEXT_FOR[LANGUAGES[n // 2 % 5]] in message.text
    accepted = {message.to: message for message in twilio.accepted}
    for n in range(1, SCALE, 2):
        message = accepted[whatsapp_number(n)]
        language = LANGUAGES[n // 2 % 5]
        if whatsapp_number(n) in lately:
            assert TEXT_FOR[language] in (message.body or "")
        else:
            assert message.content_sid == TEMPLATE[language]

    totals = counts["totals"]
    assert totals["sent"] == statuses["sent"] and totals["unknown"] == statuses["unknown"]
    assert totals["waiting_for_template"] == statuses["held"]
    assert totals["sent"] + totals["unknown"] + totals["waiting_for_template"] == SCALE
    assert sum(counts["by_channel"]["telegram"].values()) == SCALE // 2
    assert counts["by_channel"]["whatsapp"]["sent"] == len(lately)
