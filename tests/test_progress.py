"""Progress on long commands: a bar on a terminal, plain lines when piped."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from bot.cli.progress import progress
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
