"""What goes into a downloaded or emailed spreadsheet is shown as written, never run."""

from __future__ import annotations

import csv
import io

import pytest

from bot.services import cells


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil","click")', "+44 7700 900123",
                                  "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_text_a_spreadsheet_would_run_is_kept_as_text(text: str) -> None:
    out = io.StringIO()
    cells.Writer(out).writerow(["C-1001", text, 3])
    [written] = list(csv.reader(io.StringIO(out.getvalue())))
    assert written == ["C-1001", "'" + text, "3"]


@pytest.mark.parametrize("value", ["Black mould on Elm Street", "C-1001", "", 12, -4, 2.5])
def test_everything_else_is_written_as_it_is(value: object) -> None:
    assert cells.safe(value) == value
