"""Progress on long commands: a bar on a terminal, plain lines when piped."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from pathlib import Path

from bot.app import App, utc_now
from bot.cli.progress import progress
from bot.dispatch import Dispatcher
from bot.services import impact
from tests.support.chat import Recorder
from tests.support.processes import ROOT


def test_piped_progress_is_a_few_plain_lines_ending_with_the_total() -> None:
    out = io.StringIO()
    with progress("importing people", total=200, stream=out) as bar:
        for _ in range(200):
            bar.advance()
    lines = out.getvalue().splitlines()
    assert lines[0] == "importing people: 20/200"
    assert lines[-1] == "importing people: 200/200"
    assert len(lines) == 10


def test_following_a_count_without_a_known_total_says_where_it_got_to() -> None:
    out = io.StringIO()
    with progress("broadcast 12", total=None, stream=out) as bar:
        bar.update(40)
        bar.update(75, total=120)
    assert out.getvalue().splitlines()[-1] == "broadcast 12: 75/120"


def test_on_a_terminal_it_is_a_bar() -> None:
    out = io.StringIO()
    with progress("importing areas", total=30, stream=out, terminal=True) as bar:
        for _ in range(30):
            bar.advance()
    shown = out.getvalue()
    assert "importing areas" in shown and "30/30" in shown and "━" in shown


def test_areas_import_shows_progress_on_stderr_and_the_result_on_stdout(
        environ: dict[str, str], tmp_path: Path) -> None:
    sheet = tmp_path / "areas.csv"
    sheet.write_text("name\n" + "".join(f"Ward {n}\n" for n in range(1, 31)))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "areas", "import", str(sheet)], cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ},
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "30 area(s) added, 0 renamed, 30 in the file"
    assert done.stderr.splitlines()[-1] == "importing areas: 30/30"


PEOPLE_CSV = ("name,channel,address,language,area,topics,consent_version,consented_on\n"
              + "".join(f"Champion {n},telegram,{5000 + n},en,Northfield,,v1,2026-10-14\n"
                        for n in range(30)))


def champbot(environ: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ},
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_people_import_shows_progress_on_stderr_and_the_result_on_stdout(
        environ: dict[str, str], tmp_path: Path) -> None:
    champbot(environ, tmp_path, "demo")
    (tmp_path / "people.csv").write_text(PEOPLE_CSV, encoding="utf-8")
    done = champbot(environ, tmp_path, "people", "import", "people.csv")
    assert done.stdout.strip() == "30 added, 0 updated, 0 bad row(s)"
    lines = done.stderr.splitlines()
    assert lines[0] == "importing people: 3/30" and lines[-1] == "importing people: 30/30"


def test_the_impact_report_shows_progress_and_writes_only_the_report_on_stdout(
        environ: dict[str, str], tmp_path: Path) -> None:
    done = champbot(environ, tmp_path, "report", "impact", "--from", "2026-04-01",
                    "--to", "2026-06-30")
    steps = impact.STAGES + 1  # the report's queries, then the export
    assert done.stderr.splitlines()[-1] == f"impact report: {steps}/{steps}"
    assert "impact report" not in done.stdout and done.stdout.count("\n") > 3


async def test_broadcast_report_follow_refreshes_until_every_message_has_left(
        environ: dict[str, str], tmp_path: Path, app: App) -> None:
    # The settings of the bot whose dispatcher sends (here, the test's): Telegram is on.
    environ = {**environ, "BROADCAST_QUIET_HOURS": "off", "TELEGRAM_BOT_TOKEN": "123456:ABC"}
    champbot(environ, tmp_path, "demo")
    (tmp_path / "people.csv").write_text(PEOPLE_CSV, encoding="utf-8")
    champbot(environ, tmp_path, "people", "import", "people.csv")
    (tmp_path / "flu.yaml").write_text("texts:\n  en: Free flu jabs on Saturday.\n",
                                       encoding="utf-8")
    made = champbot(environ, tmp_path, "broadcast", "create", "flu.yaml").stdout.strip()
    assert "30 recipient(s) queued" in champbot(environ, tmp_path, "broadcast", "send",
                                                made).stdout

    follow = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "broadcast", "report", made, "--follow", "--every", "0.2",
        cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert follow.stderr is not None
        first = await asyncio.wait_for(follow.stderr.readline(), 60)
        assert first.decode() == f"broadcast {made}: 0/30\n"  # nothing has left yet
        assert follow.returncode is None  # so it keeps looking
        await Dispatcher(app.database, [Recorder("telegram")], utc_now).drain()  # the CLI's clock
        out, err = (part.decode() for part in await asyncio.wait_for(follow.communicate(), 60))
    finally:
        if follow.returncode is None:
            follow.kill()
            await follow.wait()
    assert follow.returncode == 0, err
    assert err.splitlines()[-1] == f"broadcast {made}: 30/30"
    assert out.startswith(f"broadcast {made}: started, 30 recipient(s)")
    assert "telegram" in out and "30" in out.split("telegram")[-1].split()
