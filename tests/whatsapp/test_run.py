"""`champbot run` with the Twilio settings serves the WhatsApp webhooks and sends through Twilio."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.twilio_server import FakeTwilio
from tests.support.whatsapp import UK_NUMBER, new_sid, signature
from tests.test_web import ROOT, free_port

pytestmark = pytest.mark.usefixtures("programme")


async def wait_until_serving(
    client: httpx.AsyncClient, process: asyncio.subprocess.Process
) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            await client.get("/healthz")
            return
        except httpx.TransportError:
            assert process.returncode is None, "champbot run stopped"
            assert time.monotonic() < deadline, "champbot run did not start"
            await asyncio.sleep(0.2)


async def test_champbot_run_answers_a_signed_message_through_twilio(
    environ: dict[str, str], twilio: FakeTwilio, tmp_path: Path
) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ,
             "HTTP_PORT": str(port)},
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await wait_until_serving(client, process)
            sid = new_sid()
            fields = {"MessageSid": sid, "From": f"whatsapp:{UK_NUMBER}",
                      "To": "whatsapp:+14155238886", "Body": "JOIN DEMO2026", "NumMedia": "0"}
            response = await client.post("/twilio/whatsapp", data=fields, headers={
                "X-Twilio-Signature": signature("/twilio/whatsapp", fields)})
            assert response.status_code == 200
            await asyncio.wait_for(twilio.arrived.wait(), timeout=30)
    finally:
        process.terminate()
        _, err = await process.communicate()
    (reply,) = twilio.accepted
    assert reply.to == UK_NUMBER and "Which language would you like to use?" in (reply.body or "")
    log = err.decode()
    assert "Traceback" not in log and "no channel is configured" not in log
    assert UK_NUMBER.lstrip("+") not in log and "DEMO2026" not in log  # no numbers or bodies

