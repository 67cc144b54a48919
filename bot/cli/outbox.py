"""`champbot outbox`: messages waiting, held back or given up on."""

from __future__ import annotations

import typer

from bot.cli.common import group, with_app

outbox_cli = group("outbox", "Messages waiting, held back or given up on, per channel and "
                   "reason.",
                   invoke_without_command=True, no_args_is_help=False)


@outbox_cli.callback()
def outbox_status(ctx: typer.Context) -> None:
    """How many messages wait, are held back or failed, per channel and reason."""
    if ctx.invoked_subcommand:
        return
    from bot.services import failures

    rows = with_app(lambda app: failures.summary(app.database, app.settings)).by_state
    if not rows:
        typer.echo("nothing waiting or failed")
        return
    typer.echo(f"{'CHANNEL':<10}{'STATUS':<9}{'COUNT':>6}  REASON")
    for channel, status, reason, count in rows:
        typer.echo(f"{channel:<10}{status:<9}{count:>6}  {reason}")
