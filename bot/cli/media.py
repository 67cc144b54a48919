"""`champbot media`: the photos and voice notes kept with concerns."""

from __future__ import annotations

import typer

from bot.app import App
from bot.cli.common import group, with_app

media_cli = group("media", "Photos and voice notes kept with concerns (in MEDIA_DIR).")


@media_cli.command("sweep")
def media_sweep() -> None:
    """Delete files of concerns past the retention period (MEDIA_RETENTION_DAYS) and files
    that no record points to (left by a crash)."""
    from bot.services import media

    async def work(app: App) -> tuple[int, int]:
        files = media.store(app.settings)
        expired = await media.expire(app.database, files, app.clock(),
                                     app.settings.media_retention_days)
        return expired, await media.sweep(app.database, files)

    expired, orphans = with_app(work)
    typer.echo(f"{expired} file(s) past the retention period deleted, "
               f"{orphans} file(s) no record points to deleted")
