"""The web app and `champbot run`."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot import web
from bot.app import App

ROOT = Path(__file__).resolve().parents[1]


async def test_healthz_answers_when_the_database_does(app: App) -> None:
    transport = httpx.ASGITransport(app=web.build(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_champbot_run_serves_until_stopped(environ: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ,
             "HTTP_PORT": str(port)},
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "champbot run did not start"
                time.sleep(0.2)
        assert response.json() == {"status": "ok"}
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert "Traceback" not in err
    assert "no channel is configured" in err
