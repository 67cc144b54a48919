"""`champbot dashboard`: sign-in links for the web dashboard."""

from __future__ import annotations

import typer

from bot.cli.common import fail, group, with_app

dashboard_cli = group("dashboard", "The web dashboard for coordinators (served by `run`).")


@dashboard_cli.command("link")
def dashboard_link(
    person: int = typer.Option(..., "--person",
                               help="A coordinator's or partner contact's id (see `people list`)."),
) -> None:
    """Print a one-time sign-in link (valid 15 minutes) for a coordinator or partner contact."""
    from bot.app import App
    from bot.dashboard.tokens import make_signin_link
    from bot.services import audit, coordinators, permissions
    from bot.services.permissions import Action
    from bot.storage.models import Person

    async def work(app: App) -> str:
        now = app.clock()
        settings = app.settings
        base = settings.public_base_url or f"http://{settings.http_host}:{settings.http_port}"
        async with app.database.transaction() as session:
            found = await session.get(Person, person)
            if found is None or not permissions.allowed(
                    await coordinators.actor_of(session, found), Action.VIEW_DASHBOARD):
                raise LookupError(f"no active coordinator or partner contact with id {person}")
            audit.record(session, "cli", "signin_link_made", person, now)
            return await make_signin_link(session, settings, base, person, now)

    try:
        typer.echo(with_app(work))
    except LookupError as error:
        raise fail(f"champbot: {error}") from None
