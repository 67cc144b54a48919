"""`champbot run --role ROLE` in processes of their own, for tests of several processes:
start, stop or SIGKILL one, and read what it shows at /metrics and in its log."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.servers import bound_socket

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port nobody listens on now; the process under test binds it itself."""
    with bound_socket() as sock:
        return int(sock.getsockname()[1])


async def serving(url: str, process: subprocess.Popen[str] | asyncio.subprocess.Process,
                  seconds: float = 60) -> httpx.Response:
    """The answer of ``url``/healthz once the `champbot run` in ``process`` serves. Fails if
    the process stops first, or after ``seconds`` (only so a hang fails, not blocks the run)."""
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            try:
                return await client.get(f"{url}/healthz")
            except httpx.TransportError:
                pass  # not listening yet
            if isinstance(process, subprocess.Popen):
                assert process.poll() is None, process.communicate()[1]
            else:
                assert process.returncode is None, (await process.communicate())[1]
            assert time.monotonic() < deadline, "champbot run did not start"
            await asyncio.sleep(0.1)


class Champbot:
    def __init__(self, environ: dict[str, str], role: str, cwd: Path,
                 log_to: Path | None = None) -> None:
        self.port = free_port()
        self.role = role
        self.url = f"http://127.0.0.1:{self.port}"
        # A few connections each (production's default is 50): tests start several
        # processes at once, on several workers, against one server's 100 connections.
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
                    "DATABASE_POOL_SIZE": "10", **environ, "HTTP_PORT": str(self.port)}
        self.cwd = cwd
        self.process: subprocess.Popen[str] | None = None
        self.log = ""
        # The log goes to a file, not a pipe: a busy process (a broadcast to thousands)
        # never waits for a reader. ``log_to`` keeps every run's log in one file, in order.
        self.log_file = log_to or cwd / f"champbot-{self.role}-{self.port}.log"

    def start(self) -> Champbot:
        with self.log_file.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--role", self.role], env=self.env,
                cwd=self.cwd, stdout=subprocess.DEVNULL, stderr=log, text=True)
        return self

    async def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None:
            return
        self.process.send_signal(sig)
        await asyncio.to_thread(self.process.wait, timeout=30)
        self.log = self.log_file.read_text()
        self.process = None

    async def serving(self, seconds: float = 60) -> None:
        """Until the process answers /healthz; its log if it stops or never does."""
        assert self.process is not None
        try:
            await serving(self.url, self.process, seconds)
        except AssertionError as error:
            raise AssertionError(f"champbot --role {self.role}: {error}\n"
                                 f"{self.log_file.read_text()[-2000:]}") from None

    async def metric(self, name: str, **labels: str) -> float | None:
        """A sample from this process's /metrics; None while it does not answer."""
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                page = (await client.get(f"{self.url}/metrics")).text
        except httpx.TransportError:
            return None
        for family in text_string_to_metric_families(page):
            for sample in family.samples:
                if sample.name == name and sample.labels == labels:
                    return sample.value
        return None

    async def scheduler_state(self) -> str | None:
        if await self.metric("champbot_scheduler_state", state="active") == 1:
            return "active"
        if await self.metric("champbot_scheduler_state", state="standby") == 1:
            return "standby"
        if await self.metric("champbot_scheduler_state", state="none") == 1:
            return "none"
        return None


async def within(seconds: float, check: Callable[[], Awaitable[bool]], what: str) -> float:
    """Look again until ``check`` is true; how long it took. Fails after ``seconds``."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < seconds, f"not within {seconds:g}s: {what}"
        await asyncio.sleep(0.2)
    return time.monotonic() - started


@contextlib.asynccontextmanager
async def processes(environ: dict[str, str], cwd: Path
                    ) -> AsyncIterator[Callable[[str], Champbot]]:
    """Start `champbot run --role R` processes by calling the yielded function; every one
    started is stopped at the end."""
    started: list[Champbot] = []

    def start(role: str) -> Champbot:
        process = Champbot(environ, role, cwd).start()
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            await process.stop()
