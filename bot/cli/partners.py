"""`champbot partners`, `champbot concerns` and `champbot digests`: the escalation loop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.cli.common import fail, group, refuse, with_app

if TYPE_CHECKING:
    from bot.services.partners import Changes

T = TypeVar("T")

partners_cli = group("partners", "Partner services that act on concerns.")
digests_cli = group("digests", "Partner digests.")
concerns_cli = group("concerns", "Concerns and where they are.", no_args_is_help=False,
                     invoke_without_command=True)

CATEGORY = typer.Option(None, "--category",
                        help="A concern category by id or name (repeat for more): gp_access, "
                             "hospital, mental_health, housing, cost_of_living, language, "
                             "digital, transport, vaccine_worries, discrimination, "
                             "safeguarding, other.")
AREA = typer.Option(None, "--area", help="An area by id, code or name, or 'all' (repeat).")
EMAIL = typer.Option(None, "--email", help="An email address for alerts and digests (repeat).")
DIGEST = typer.Option(None, "--digest-time", help="When the daily digest goes, HH:MM local.")
LANGUAGE = typer.Option(None, "--language",
                        help="Language of its messages: en ar bn gu pl pt pa ro so ur.")
DAYS = typer.Option(None, "--days", help="Working days as ISO weekday numbers (12345 = Mon-Fri).")
START = typer.Option(None, "--start", help="Working hours start, HH:MM.")
END = typer.Option(None, "--end", help="Working hours end, HH:MM.")


def _run(work: Callable[[App, AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction; a bad value or id stops with one line."""
    from bot.services.partners import Unknown

    async def main(app: App) -> T:
        async with app.database.transaction() as session:
            result = await work(app, session)
        app.outbox_ready.set()
        return result

    try:
        return with_app(main)
    except Unknown as error:
        raise refuse(error) from None
    except LookupError as error:
        raise fail(f"champbot: {error}") from None


def _changes(name: str | None, category: list[str] | None, area: list[str] | None,
             email: list[str] | None, digest_time: str | None, language: str | None,
             days: str | None, start: str | None, end: str | None) -> Changes:
    from bot.services.partners import Changes

    return Changes(name=name, categories=category, areas=area, emails=email,
                   digest_time=digest_time, language=language, work_days=days,
                   work_start=start, work_end=end)


@partners_cli.command("add")
def partners_add(name: str = typer.Argument(..., help="The service's name."),
                 category: list[str] | None = CATEGORY, area: list[str] | None = AREA,
                 email: list[str] | None = EMAIL, digest_time: str | None = DIGEST,
                 language: str | None = LANGUAGE, days: str | None = DAYS,
                 start: str | None = START, end: str | None = END) -> None:
    """Add a partner service; prints its id."""
    from bot.services import partners

    changes = _changes(name, category, area, email, digest_time, language, days, start, end)

    async def work(app: App, session: AsyncSession) -> int:
        made = await partners.add(session, changes, app.clock(),
                                  app.settings.default_language)
        return made.id

    typer.echo(_run(work))


@partners_cli.command("list")
def partners_list() -> None:
    """List partner services: id, name, language, digest time, categories, areas, email."""
    from bot.services import partners

    for line in _run(lambda app, session: partners.listing(session)):
        typer.echo(line)


@partners_cli.command("edit")
def partners_edit(partner_id: int = typer.Argument(..., help="The partner's id."),
                  name: str | None = typer.Option(None, "--name", help="A new name."),
                  category: list[str] | None = CATEGORY, area: list[str] | None = AREA,
                  email: list[str] | None = EMAIL, digest_time: str | None = DIGEST,
                  language: str | None = LANGUAGE, days: str | None = DAYS,
                  start: str | None = START, end: str | None = END) -> None:
    """Change a partner service; options given replace what it had."""
    from bot.services import partners

    changes = _changes(name, category, area, email, digest_time, language, days, start, end)
    if changes == partners.Changes():
        # As `people edit` without --area: a usage error, and nothing claimed as changed.
        raise fail("champbot: nothing to change: give at least one option, such as --name "
                   "or --category (see champbot partners edit --help)")

    async def work(app: App, session: AsyncSession) -> str:
        edited = await partners.edit(session, partner_id, changes,
                                     app.clock())
        return f"partner {edited.id} changed"

    typer.echo(_run(work))


@partners_cli.command("remove")
def partners_remove(partner_id: int = typer.Argument(..., help="The partner's id.")) -> None:
    """Remove a partner service: no new concerns reach it, the open ones it held go back to
    the coordinators for routing, its contacts can no longer act on concerns and its
    unused invite codes stop working; its history is kept."""
    from bot.services import partners

    async def work(app: App, session: AsyncSession) -> str:
        removed = await partners.remove(session, partner_id, app.clock())
        return (f"partner {removed.partner.id} removed; its history is kept; open concerns "
                f"sent back to the coordinators for routing: {removed.returned}; unused "
                f"invite codes withdrawn: {removed.codes_withdrawn}")

    typer.echo(_run(work))


@digests_cli.command("send")
def digests_send(partner: int | None = typer.Option(
        None, "--partner", help="Only this partner (default: every partner).")) -> None:
    """Send each partner's digest now, whatever the time."""
    from bot.services import digests, partners

    async def work(app: App, session: AsyncSession) -> list[str]:
        chosen = [await partners.get(session, partner)] if partner is not None else (
            await partners.active(session))
        lines = []
        for one in chosen:
            digest = await digests.send(session, one, app.clock(), app.settings)
            lines.append(f"{one.id} {one.name}: " + (
                "nothing to send" if digest.empty else
                f"{len(digest.new)} new, {len(digest.still_open)} open, "
                f"{len(digest.patterns)} pattern(s)"))
        return lines

    for line in _run(work):
        typer.echo(line)


@concerns_cli.callback()
def concerns_list(ctx: typer.Context,
                  open_: bool = typer.Option(False, "--open", help="Only concerns still open."),
                  overdue: bool = typer.Option(False, "--overdue",
                                               help="Only those waiting past their follow-up."),
                  area: list[str] | None = AREA) -> None:
    """List concerns with their escalations (or `concerns show C-1042`)."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.services import concernlist

    for line in _run(lambda app, session: concernlist.listing(
            session, app.settings, app.clock(), open_only=open_, overdue_only=overdue,
            areas=area or ())):
        typer.echo(line)


@concerns_cli.command("show")
def concerns_show(reference: str = typer.Argument(..., help="A reference such as C-1042.")
                  ) -> None:
    """One concern in full: its words, what the champion was told, each escalation, each
    photo or voice note (type, size, state, a signed link valid for 7 days)."""
    from bot.services import concernlist

    for line in _run(lambda app, session: concernlist.show(session, app.settings, reference,
                                                        app.clock())):
        typer.echo(line)
