"""Cells of the CSV and Excel files people download or receive (a partner's digest, the
concern list, the impact report): text that a spreadsheet would run as a formula is kept
as text.

A champion's words reach outside organisations' spreadsheets. A cell starting with
``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is a formula to
Excel and LibreOffice: ``=HYPERLINK(...)`` would show a link to anywhere, and worse.
Such text is written with an apostrophe before it, which spreadsheets show as text and
do not display. Numbers and dates are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> Any:
    """``value`` as a spreadsheet should show it: never a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    return [safe(value) for value in values]


class Writer:
    """``csv.writer`` whose rows are made safe (``safe``)."""

    def __init__(self, out: Any) -> None:
        self._writer = csv.writer(out)

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow(row(values))
