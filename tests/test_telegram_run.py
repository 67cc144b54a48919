"""`champbot run` itself on Telegram: the real command in its own process, pointed at a
local Bot API server by TELEGRAM_API_BASE_URL, polling and by webhook."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import App, utc_now
from bot.services import demo
from bot.storage.models import (
    Activity,
    Concern,
    InboundMessage,
    OutboxMessage,
    OutboxStatus,
    Person,
)
from tests.support.processes import free_port
from tests.support.telegram_server import FakeTelegram
from tests.test_telegram_conversations import joins, logs_an_activity, raises_a_concern

ROOT = Path(__file__).resolve().parents[1]
SECRET = "run-secret_7"


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram().running() as server:
        yield server


@pytest.fixture
async def live_programme(app: App) -> None:
    """The demo programme, with invite codes valid by the real clock `champbot run` uses."""
    await demo.load(app.database, utc_now())


class ChampbotRun:
    """`champbot run` in a process of its own, started and stopped (or killed) by the test."""

    def __init__(self, environ: dict[str, str], telegram: FakeTelegram, mode: str,
                 cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
                    **environ, "HTTP_PORT": str(self.port),
                    "TELEGRAM_BOT_TOKEN": telegram.token,
                    "TELEGRAM_API_BASE_URL": telegram.base_url, "TELEGRAM_MODE": mode}
        if mode == "webhook":
            self.env |= {"PUBLIC_BASE_URL": self.url, "TELEGRAM_WEBHOOK_SECRET": SECRET}
        self.cwd = cwd
        self.process: subprocess.Popen[str] | None = None
        self.logs: list[str] = []

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], env=self.env, cwd=self.cwd,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    async def stop(self, sig: int = signal.SIGTERM) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        _, err = await asyncio.to_thread(self.process.communicate, timeout=30)
        self.logs.append(err)
        self.process = None

    @property
    def log(self) -> str:
        return "\n".join(self.logs)


@pytest.fixture
async def run_bot(environ: dict[str, str], telegram: FakeTelegram,
                  tmp_path: Path) -> AsyncIterator[Callable[[str], ChampbotRun]]:
    started: list[ChampbotRun] = []

    def start(mode: str) -> ChampbotRun:
        run = ChampbotRun(environ, telegram, mode, tmp_path)
        run.start()
        started.append(run)
        return run

    yield start
    for run in started:
        if run.process is not None:
            await run.stop()


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """For state in another process, where no event reaches us: look again until true."""
    deadline = time.monotonic() + 15
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def count(app: App, model: type) -> int:
    async with app.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def nothing_in_flight(app: App) -> bool:
    async with app.database.transaction() as session:
        busy = await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])))
    return busy == 0


async def both_join(app: App, telegram: FakeTelegram) -> None:
    """Amina in English and Layla in Arabic, at once: join, log an activity, raise a concern."""
    amina = telegram.person(4001, "Amina", "en")
    layla = telegram.person(4002, "Layla", "ar")
    await asyncio.gather(joins(amina, "en", "English"), joins(layla, "ar", "العربية", "Layla"))
    async with app.database.transaction() as session:
        people = list(await session.scalars(select(Person).order_by(Person.id)))
    assert sorted((p.display_name, p.language) for p in people) == [("Amina", "en"),
                                                                    ("Layla", "ar")]
    await asyncio.gather(logs_an_activity(amina, "en"), logs_an_activity(layla, "ar"))
    await asyncio.gather(raises_a_concern(amina, "en"), raises_a_concern(layla, "ar"))
    assert await count(app, Activity) == 2
    assert await count(app, Concern) == 2


@pytest.mark.usefixtures("live_programme")
async def test_champbot_run_by_polling_joins_people_and_survives_a_crash(
    app: App, telegram: FakeTelegram, run_bot: Callable[[str], ChampbotRun]
) -> None:
    bot = run_bot("polling")
    await both_join(app, telegram)

    sam = telegram.person(4003, "Sam", "en")
    await sam.says("/start DEMO2026")
    await sam.presses("English")
    await sam.presses("Yes, I agree")
    await sam.sees("What would you like us to call you?")
    await eventually(lambda: nothing_in_flight(app), "the outbox to be idle")
    await bot.stop(signal.SIGKILL)  # a crash, not a goodbye
    await sam.says("Sam")  # while the bot is down
    bot.start()
    await sam.sees("Which area do you mostly work in?")
    assert len(sam.keyboards()) == 1  # the name question's Skip was closed, restart or not
    await sam.presses("Northfield")
    await sam.sees("Which health topics interest you?")
    await sam.presses("Skip")
    await sam.sees("What would you like to do?")
    assert sam.transcript().count("What would you like us to call you?") == 1
    await bot.stop()
    assert "Traceback" not in bot.log and telegram.token not in bot.log


@pytest.mark.usefixtures("live_programme")
async def test_champbot_run_by_webhook_joins_people_and_refuses_strangers(
    app: App, telegram: FakeTelegram, run_bot: Callable[[str], ChampbotRun]
) -> None:
    bot = run_bot("webhook")
    await both_join(app, telegram)
    assert telegram.webhook["url"] == f"{bot.url}/telegram/webhook"
    assert telegram.webhook["secret_token"] == SECRET

    before = await count(app, InboundMessage)
    stranger = {"update_id": 999, "message": {
        "message_id": 99, "date": 1_780_000_000, "text": "/start DEMO2026",
        "chat": {"id": 4999, "type": "private", "first_name": "Eve"},
        "from": {"id": 4999, "is_bot": False, "first_name": "Eve"}}}
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{bot.url}/telegram/webhook", json=stranger,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
    assert response.status_code == 403
    assert await count(app, InboundMessage) == before
    await bot.stop()
    assert "Traceback" not in bot.log and telegram.token not in bot.log
    assert SECRET not in bot.log
