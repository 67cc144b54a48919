"""The web app and `champbot run`."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

import httpx

from bot import web
from bot.app import App
from tests.support.processes import ROOT, free_port, serving


async def test_healthz_answers_when_the_database_does(app: App) -> None:
    transport = httpx.ASGITransport(app=web.build(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_champbot_run_serves_until_stopped(environ: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ,
             "HTTP_PORT": str(port)},
        cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        response = await serving(f"http://127.0.0.1:{port}", process)
        assert response.json() == {"status": "ok"}
    finally:
        process.terminate()
        err = (await asyncio.wait_for(process.communicate(), timeout=30))[1].decode()
    assert "Traceback" not in err
    assert "no channel is configured" in err


async def test_a_port_already_taken_is_one_line_and_nothing_starts(
    environ: dict[str, str], tmp_path: Path
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run",
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ,
                 "HTTP_PORT": str(port)},
            cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        err = (await asyncio.wait_for(process.communicate(), timeout=60))[1].decode()
    assert process.returncode == 2
    assert f"champbot: cannot listen on 127.0.0.1:{port}" in err
    assert "Set HTTP_PORT to choose another port" in err
    assert "Traceback" not in err and "is running on" not in err
