"""Impact: charts by month, topic, area and kind of activity, each with its table, for any
date range; the same report as CSV or XLSX."""

from __future__ import annotations

from datetime import date

from starlette.responses import Response

from bot.dashboard.pages import Visit, message
from bot.services import impact, impact_export
from flows.i18n import N_, language


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def period(visit: Visit) -> tuple[date, date, bool]:
    """The range asked for (default: the last twelve months), and whether it was bad."""
    today = visit.now.astimezone(visit.app.settings.zone).date()
    default_start = impact.last_twelve_months(today)[0]
    start = parse_day(visit.query("from")) if visit.query("from") else default_start
    end = parse_day(visit.query("to")) if visit.query("to") else today
    bad = start is None or end is None or start > end
    if bad or start is None or end is None:
        return default_start, today, True
    return start, end, False


async def show(visit: Visit) -> Response:
    start, end, bad = period(visit)
    report = await impact.report(visit.db, start, end, visit.actor.areas)
    with language(visit.language):
        sections = [(d, impact_export.TITLES[d],
                     [(impact_export.label(d, r.key), r) for r in report.by[d]])
                    for d in impact.DIMENSIONS]
    return visit.page("impact.html", "impact", report=report, sections=sections, bad=bad,
                      start=start.isoformat(), end=end.isoformat())


async def export(visit: Visit) -> Response:
    start, end, bad = period(visit)
    fmt = visit.query("format", "csv")
    if fmt not in impact_export.FORMATS:
        raise LookupError(fmt)
    if bad:  # a file for other dates than asked would be passed on unnoticed: refused
        return message(visit.language, 400, N_("Impact"), N_(
            "Those dates did not make a range, so nothing was exported. Choose the dates on "
            "the Impact page and export again."))
    report = await impact.report(visit.db, start, end, visit.actor.areas)
    with language(visit.language):
        body = impact_export.export(report, fmt)
    media = ("text/csv; charset=utf-8" if fmt == "csv" else
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"impact-{start.isoformat()}-to-{end.isoformat()}.{fmt}"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
