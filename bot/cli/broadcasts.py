"""`champbot broadcast`: one health message to many people, each in their own language."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.app import App
from bot.cli.common import fail, group, refuse, with_app
from bot.cli.progress import progress

if TYPE_CHECKING:
    from bot.services.broadcast_reports import Report

    # A report; channels whose messages nothing here can send, with why; when it starts.
    Followed = tuple[Report, dict[str, str], datetime | None]

broadcast_cli = group("broadcast", "Health messages to many people, now or scheduled.")


def _started(started: object) -> str:
    from bot.services.broadcasts import Started

    assert isinstance(started, Started)
    said = (f"broadcast {started.broadcast_id}: quiet hours; it starts at "
            f"{_utc(started.held_until)}" if started.held_until is not None else
            f"broadcast {started.broadcast_id}: {started.recipients} recipient(s) queued")
    if started.repeats_next is not None:
        # Sent by hand: this is a copy of its own, and the repeats keep their times.
        return f"{said}; it still repeats, next at {_utc(started.repeats_next)}"
    return said


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


@broadcast_cli.command("create")
def create(
    file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="YAML or JSON: texts (language: text) or library_message, "
                                     "audience (all, or areas/languages/topics/roles/group), "
                                     "optional at (ISO 8601), repeat (weekly|monthly), urgent"),
    now: bool = typer.Option(False, "--now", help="Start sending at once (not with a file "
                             "that gives a time, at)."),
) -> None:
    """Create a broadcast from a file; prints its id."""
    from bot.services import broadcasts, permissions

    try:
        request = broadcasts.read_request(file.read_text(encoding="utf-8-sig"), str(file))
    except (broadcasts.FileError, UnicodeDecodeError) as error:
        raise fail(f"champbot: {error}") from None
    if now and request.at is not None:
        raise fail(f"champbot: {file} says when to send it (at: {_utc(request.at)}) and "
                   "--now says now: leave out --now to send it then, or take at out of "
                   "the file to send it now")

    async def work(app: App) -> tuple[int, str | None]:
        if now:  # made and started at once: refused (nobody to send to...), nothing is made
            made, started = await broadcasts.send_now(
                app.database, app.settings, permissions.OPERATOR, request, app.clock())
            return made, _started(started)
        made = await broadcasts.create(app.database, app.settings, permissions.OPERATOR,
                                       request, app.clock())
        if await broadcasts.reach(app.database, made):
            return made, None
        # Kept: people may join before it goes. But not in silence.
        if request.at is None:
            return made, (f"champbot: nobody matches its audience yet: `champbot broadcast "
                          f"send {made}` is refused until someone does")
        return made, (f"champbot: nobody matches its audience yet: unless people join "
                      f"before it starts ({_utc(request.at)}), no one will receive it")

    try:
        made, said = with_app(work)
    except broadcasts.BroadcastError as error:
        raise refuse(error) from None
    typer.echo(made)
    if said:
        typer.echo(said, err=True)


@broadcast_cli.command("send")
def send(broadcast_id: int = typer.Argument(..., help="The id `broadcast create` printed.")
         ) -> None:
    """Start a broadcast now (quiet hours hold a non-urgent one until morning); refused
    when nobody matches its audience."""
    from bot.services import broadcasts, permissions

    async def work(app: App) -> str:
        return _started(await broadcasts.start(app.database, app.settings, permissions.OPERATOR,
                                               broadcast_id, app.clock()))

    try:
        typer.echo(with_app(work))
    except broadcasts.BroadcastError as error:
        raise refuse(error) from None


@broadcast_cli.command("list")
def listing() -> None:
    """List broadcasts: id, status, time, languages, audience and first line."""
    from bot.services import broadcasts

    for b in with_app(lambda app: broadcasts.listing(app.database)):
        moment = b.held_until or b.at
        when = f"{moment:%Y-%m-%d %H:%M}" if moment else "-"
        flags = "".join(f" {flag}" for flag, on in (("urgent", b.urgent), ("late", b.late),
                                                     (b.repeat or "", bool(b.repeat)),
                                                     ("quiet-hours", bool(b.held_until)),
                                                     (f"copy of {b.source}", bool(b.source)))
                        if on)
        typer.echo(f"{b.id:>5}  {b.status:<10} {when:<16} {','.join(b.languages):<14} "
                   f"{b.audience}{flags}  “{b.first_line}”")


@broadcast_cli.command("cancel")
def cancel(broadcast_id: int = typer.Argument(..., help="The broadcast's id.")) -> None:
    """Cancel a broadcast: whatever was not yet sent is not sent (of a repeating one, its
    repeats and what its copies have not yet sent)."""
    from bot.services import broadcasts, permissions

    try:
        count = with_app(lambda app: broadcasts.cancel(app.database, permissions.OPERATOR,
                                                       broadcast_id, app.clock()))
    except broadcasts.BroadcastError as error:
        raise refuse(error) from None
    typer.echo(f"broadcast {broadcast_id} cancelled: {count} message(s) will not be sent")


@broadcast_cli.command("report")
def report(
    broadcast_id: int = typer.Argument(..., help="The broadcast's id."),
    as_json: bool = typer.Option(False, "--json", help="JSON, for scripts."),
    follow: bool = typer.Option(
        False, "--follow", help="Show its progress until no message is left to send, "
        "then the report."),
    every: float = typer.Option(2.0, "--every", min=0.1,
                                help="Seconds between looks, with --follow."),
) -> None:
    """What became of a broadcast, by language and channel, with its feedback."""
    from bot.services import broadcast_reports, broadcasts

    try:
        found, stuck, starts = with_app(lambda app: _follow(app, broadcast_id, every) if follow
                                        else _report(app, broadcast_id))
    except LookupError as error:
        raise fail(f"champbot: {error}") from None
    if as_json:
        typer.echo(broadcasts.to_json(found.to_dict()))
    else:
        typer.echo("\n".join(broadcast_reports.table(found)))
    if starts is not None:
        typer.echo(f"champbot: broadcast {broadcast_id} has not started: it starts at "
                   f"{_utc(starts)}; follow it then", err=True)
    if stuck:
        going = _going(found)
        queued = sum(going.by_channel[channel].get("queued", 0) for channel in stuck)
        typer.echo(f"champbot: {queued} message(s) cannot be sent from here: "
                   + "; ".join(stuck.values())
                   + ". They wait in the outbox (see `champbot outbox`).", err=True)
        raise typer.Exit(1)


# The simulator's people read their messages in `champbot chat`, not through a process.
CONSOLE = ("console messages are shown when each person next runs "
           "`champbot chat --as NAME`")

# Following a broadcast due within this long waits for it to start; one due later says when.
FOLLOW_AHEAD = timedelta(minutes=2)

def _going(found: Report) -> Report:
    """What of a broadcast is followed: itself, or a repeating one's last time out."""
    return found.latest if found.repeat and found.latest is not None else found


async def _report(app: App, broadcast_id: int) -> Followed:
    from bot.services import broadcast_reports, permissions

    return await broadcast_reports.report(app.database, permissions.OPERATOR, broadcast_id,
                                          app.clock()), {}, None


async def _follow(app: App, broadcast_id: int, every: float) -> Followed:
    """The report once nothing of the broadcast is queued, with its progress meanwhile:
    messages that left (sent, failed, or waiting for a template) of its recipients. Of a
    repeating broadcast, the last time it went out is followed. It stops early when all
    that is queued is for channels this process's settings leave off (nothing would send
    it): then also each such channel with why; and when what is followed starts later
    than FOLLOW_AHEAD: then also when it starts."""
    from bot.services import broadcast_reports, failures, permissions

    with progress(f"broadcast {broadcast_id}", total=None) as bar:
        while True:
            found = await broadcast_reports.report(app.database, permissions.OPERATOR,
                                                   broadcast_id, app.clock())
            going = _going(found)
            queued = going.totals.get("queued", 0)
            bar.update(going.recipients - queued, total=going.recipients)
            if going.status == "draft" or (
                    going.status in ("started", "cancelled") and queued == 0):
                return found, {}, None
            starts = going.held_until or going.at
            if going.status == "scheduled" and (
                    starts is None or starts - app.clock() > FOLLOW_AHEAD):
                return found, {}, starts
            waiting = [channel for channel, counts in sorted(going.by_channel.items())
                       if counts.get("queued", 0)]
            stuck = {channel: failures.unconfigured(app.settings, channel) or (
                         CONSOLE if channel == "console" else None) for channel in waiting}
            if waiting and going.status == "started" and all(stuck.values()):
                return found, {channel: str(why) for channel, why in stuck.items()}, None
            await asyncio.sleep(every)


@broadcast_cli.command("group")
def save_group(
    name: str = typer.Argument(..., help="The group's name, used as `audience: {group: [NAME]}`."),
    people: list[int] = typer.Argument(..., help="Person ids (see `champbot people list`)."),
) -> None:
    """Save (or replace) a named group of people to broadcast to."""
    from bot.services import audiences

    async def work(app: App) -> int:
        async with app.database.transaction() as session:
            return await audiences.save_group(session, name, people, app.clock())

    try:
        group_id = with_app(work)
    except audiences.AudienceError as error:
        raise refuse(error) from None
    typer.echo(f"group {group_id} '{name}': {len(set(people))} people")
