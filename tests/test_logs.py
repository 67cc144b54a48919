"""Logs: readable text by default, one JSON object per line with LOG_FORMAT=json, and no
phone number, name or message text whatever the level (the whole suite is scanned by
tests/support/log_privacy.py)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot import logs
from tests.support.processes import ROOT, Champbot


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("bot.dispatch", logging.WARNING, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def test_json_lines_carry_time_level_logger_event_and_ids() -> None:
    line = logs.formatter("json").format(record("outbox %s dead-lettered", 42, outbox_id=42,
                                                channel="whatsapp"))
    entry = json.loads(line)
    assert entry["level"] == "warning" and entry["logger"] == "bot.dispatch"
    assert entry["event"] == "outbox 42 dead-lettered"
    assert entry["ids"] == {"outbox_id": 42, "channel": "whatsapp"}
    assert entry["time"].endswith("+00:00")


def test_a_phone_number_that_reaches_a_log_line_is_masked() -> None:
    refusal = "400 The 'To' number whatsapp:+44 7700 900123 is not a valid phone number"
    for fmt in ("text", "json"):
        line = logs.formatter(fmt).format(record("outbox %s dead-lettered: %s", 7, refusal))
        assert "7700" not in line and "whatsapp:+…" in line


def test_champbot_run_logs_json_lines_when_asked(environ: dict[str, str],
                                                 tmp_path: Path) -> None:
    process = Champbot({**environ, "LOG_FORMAT": "json"}, "all", tmp_path).start()
    assert process.process is not None
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{process.url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.process.poll() is None, process.log_file.read_text()
                assert time.monotonic() < deadline, "champbot run did not start"
                time.sleep(0.2)
    finally:
        process.process.terminate()
        process.process.wait(timeout=30)
    lines = process.log_file.read_text().strip().splitlines()
    assert lines
    for line in lines:
        assert set(json.loads(line)) >= {"time", "level", "logger", "event"}
    assert any("no channel is configured" in json.loads(line)["event"] for line in lines)


def test_a_bad_log_format_stops_start_up_naming_it(environ: dict[str, str],
                                                   tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ, "LOG_FORMAT": "xml"},
        timeout=60)
    assert done.returncode == 2 and "LOG_FORMAT" in done.stderr
