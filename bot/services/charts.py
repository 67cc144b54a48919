"""Impact as a picture: a PNG bar chart for chat, drawn with matplotlib (no display)."""

from __future__ import annotations

import io

from bot.services import impact, impact_export
from flows.i18n import N_, _, number, translate

COLOUR = "#1d5f8a"


def summary(report: impact.Report) -> str:
    """One line: what the programme did in the report's range."""
    # The figures as "My impact" labels them: a count after its label reads right for 1 or
    # for 1,000 in every language ("1 activities" did not).
    return f"{report.start.isoformat()} – {report.end.isoformat()}\n" + _(
        "Activities: {activities} · People reached: {people} · Hours given: {hours}",
        activities=number(report.activities), people=number(report.people),
        hours=number(report.hours))


def png(report: impact.Report) -> bytes:
    """People reached by topic over the report's range, as a horizontal bar chart."""
    # Imported when a chart is drawn: matplotlib is slow to load, and most processes
    # never draw one. A Figure made without pyplot draws with Agg: no display, no state.
    from matplotlib.figure import Figure

    rows = sorted(report.by.get("topic", ()), key=lambda row: row.people)[-10:]
    figure = Figure(figsize=(8, 4.5), dpi=100)
    axes = figure.add_subplot()
    labels = [impact_export.label("topic", row.key) for row in rows]
    values = [row.people for row in rows]
    if rows:
        bars = axes.barh(labels, values, color=COLOUR)
        axes.bar_label(bars, labels=[number(v) for v in values], padding=3)
    else:
        axes.text(0.5, 0.5, translate(N_("No activities yet")), ha="center", va="center",
                  transform=axes.transAxes)
        axes.set_yticks([])
    axes.set_xlabel(translate(N_("People reached")))
    axes.set_title(summary(report), fontsize=10, wrap=True)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
