"""The impact report as files for funders: CSV and XLSX, the same rows in both."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

from bot.services import cells
from bot.services.impact import DIMENSIONS, Report
from flows.definitions.activity import KINDS
from flows.definitions.options import OTHER_TOPIC, TOPICS
from flows.i18n import N_, month, translate

FORMATS = ("csv", "xlsx")
TITLES = {"month": N_("Month"), "topic": N_("Topic"), "area": N_("Area"),
          "kind": N_("Kind of activity")}
_LABELS = {"topic": {o.id: o.label for o in (*TOPICS, OTHER_TOPIC)},
           "kind": {o.id: o.label for o in KINDS}}


def label(dimension: str, key: str) -> str:
    """A breakdown key as people read it, in the current language."""
    if dimension == "area" and not key:
        return translate(N_("No area given"))
    if dimension == "month" and len(key) == 7:
        return month(date(int(key[:4]), int(key[5:]), 1))
    known = _LABELS.get(dimension, {}).get(key)
    return translate(known) if known else key


def headings() -> list[str]:
    return [translate(N_("Activities")), translate(N_("People reached")),
            translate(N_("Hours given"))]


def _rows(report: Report) -> Iterator[list[object]]:
    """Totals first, then one section per breakdown; the same for CSV and XLSX."""
    yield [translate(N_("From")), report.start.isoformat(), translate(N_("To")),
           report.end.isoformat()]
    yield [translate(N_("Total")), *headings(), translate(N_("New champions")),
           translate(N_("Concerns raised")), translate(N_("Concerns resolved"))]
    yield ["", report.activities, report.people, report.hours, report.new_champions,
           report.concerns_raised, report.concerns_resolved]
    for dimension in DIMENSIONS:
        yield []
        yield [translate(TITLES[dimension]), *headings()]
        for row in report.by.get(dimension, ()):
            yield [label(dimension, row.key), row.activities, row.people,
                   round(row.minutes / 60, 1)]


def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = cells.Writer(buffer)
    for row in _rows(report):
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets Excel read the languages


def to_xlsx(report: Report) -> bytes:
    # openpyxl is loaded only when a spreadsheet is made: `champbot run` starts faster.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = translate(N_("Impact"))[:31]
    for row in _rows(report):
        sheet.append(cells.row(row))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export(report: Report, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    return to_csv(report) if fmt == "csv" else to_xlsx(report)
