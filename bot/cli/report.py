"""`champbot report`: the programme's reports as files (the dashboard's exports)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from bot.cli.common import fail, group, with_app
from bot.cli.progress import progress

report_cli = group("report", "Reports for funders and partners, as CSV or XLSX files.")


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"champbot: {option} must be a date like 2026-04-01 (got {text!r})") from None


@report_cli.command("impact")
def report_impact(
    start: str = typer.Option(..., "--from", help="First day, e.g. 2026-04-01."),
    end: str = typer.Option(..., "--to", help="Last day (included), e.g. 2027-03-31."),
    fmt: str = typer.Option("csv", "--format", help="csv or xlsx."),
    output: Path | None = typer.Option(
        None, "--output", help="File to write (default: standard output for csv; "
        "impact-FROM-to-TO.xlsx for xlsx)."),
) -> None:
    """Activities, people reached and hours given, by month, topic, area and kind."""
    from bot.app import App
    from bot.services import impact, impact_export

    first, last = _day(start, "--from"), _day(end, "--to")
    if first > last:
        raise fail("champbot: --from must not be after --to")
    if fmt not in impact_export.FORMATS:
        raise fail(f"champbot: --format must be one of {', '.join(impact_export.FORMATS)}")
    if output is not None and not output.parent.is_dir():
        raise fail(f"champbot: --output: there is no folder {output.parent}")

    with progress("impact report", total=impact.STAGES + 1) as bar:
        async def work(app: App) -> bytes:
            async with app.database.transaction() as session:
                found = await impact.report(session, first, last, done=bar.advance)
            return impact_export.export(found, fmt)

        body = with_app(work)
        bar.advance()  # the file made
    if output is None and fmt == "csv":
        typer.echo(body.decode("utf-8-sig"), nl=False)
        return
    target = output or Path(f"impact-{first.isoformat()}-to-{last.isoformat()}.{fmt}")
    try:
        target.write_bytes(body)
    except OSError as error:
        raise fail(f"champbot: could not write {target}: {error.strerror or error}") from None
    typer.echo(f"wrote {target}")
