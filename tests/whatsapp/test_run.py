"""`champbot run` with the Twilio settings serves the WhatsApp webhooks and sends through Twilio."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.processes import ROOT, free_port, serving
from tests.support.twilio_server import FakeTwilio
from tests.support.whatsapp import UK_NUMBER, new_sid, signature

pytestmark = pytest.mark.usefixtures("programme")


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
            await serving(f"http://127.0.0.1:{port}", process)
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



async def start_run(environ: dict[str, str], port: int, cwd: Path
                    ) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ,
             "HTTP_PORT": str(port)},
        cwd=cwd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


async def says(client: httpx.AsyncClient, number: str, text: str) -> None:
    fields = {"MessageSid": new_sid(), "From": f"whatsapp:{number}",
              "To": "whatsapp:+14155238886", "Body": text, "NumMedia": "0"}
    response = await client.post("/twilio/whatsapp", data=fields, headers={
        "X-Twilio-Signature": signature("/twilio/whatsapp", fields)})
    assert response.status_code == 200


async def test_after_kill_9_mid_send_everyone_is_answered_within_30_seconds_of_the_restart(
    environ: dict[str, str], twilio: FakeTwilio, tmp_path: Path
) -> None:
    people = [UK_NUMBER, "+447700900201", "+447700900202", "+447700900203"]
    port = free_port()
    twilio.gate = asyncio.Event()  # Twilio takes each reply only when the test says so
    first = await start_run(environ, port, tmp_path)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await serving(f"http://127.0.0.1:{port}", first)
            for number in people:
                await says(client, number, "JOIN DEMO2026")
            deadline = time.monotonic() + 60
            while twilio.waiting < len(people):  # every reply is on its way to Twilio...
                assert time.monotonic() < deadline, "the replies never left"
                await asyncio.sleep(0.1)
    finally:
        first.kill()  # ...when the process dies (SIGKILL: no chance to tidy up)
        await first.communicate()
    twilio.gate.set()  # what was in flight reaches Twilio or not: nobody will know

    second = await start_run(environ, port, tmp_path)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await serving(f"http://127.0.0.1:{port}", second)
            restarted = len(twilio.accepted)
            for number in people:
                await says(client, number, "English")

            def answered(number: str) -> bool:
                later = [m for m in twilio.accepted[restarted:] if m.to == number]
                return any("agree" in (m.body or "") for m in later)

            deadline = time.monotonic() + 30
            while not all(answered(number) for number in people):
                assert time.monotonic() < deadline, (
                    f"not answered within 30 s: {[n for n in people if not answered(n)]}")
                await asyncio.sleep(0.2)
    finally:
        second.terminate()
        _, err = await second.communicate()
    assert "Traceback" not in err.decode()
