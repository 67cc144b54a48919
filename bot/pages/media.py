"""/media/<token>: a kept photo or voice note, for whoever its signed link was made for."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.pages.act import PROBLEMS
from bot.pages.render import HEADERS, chosen_language, page
from bot.services import media, media_links
from bot.services.media_links import MediaRefused
from flows import i18n
from flows.i18n import N_, _, translate

log = logging.getLogger(__name__)

GONE = N_("This file is no longer kept: it was erased, or its time to be kept is over.")
PENDING = N_("This file is still being fetched. Please open the link again in a minute.")
STATUS = {"forged": 403, "expired": 410, "refused": 403, "gone": 410, "pending": 404}


def routes(app: App) -> list[BaseRoute]:
    programme = app.settings.programme_name

    def problem(request: Request, reason: str) -> Response:
        text = {"gone": GONE, "pending": PENDING}.get(reason) or PROBLEMS[reason][1]
        with i18n.language(chosen_language(request, None, app.settings.default_language)):
            return page("problem.html", i18n.current_language(), STATUS.get(reason, 500),
                        programme=programme, title=_("This link cannot be used"),
                        message=translate(text))

    async def endpoint(request: Request) -> Response:
        try:
            async with app.database.transaction() as session:
                try:
                    shown = await media_links.open_link(
                        session, app.settings, request.path_params["token"], app.clock())
                except MediaRefused as refusal:  # its audit entry is committed with this
                    reason = refusal.reason
                    shown = None
            if shown is None:
                log.info("media link refused: %s", reason)
                return problem(request, reason)
            data = media_links.read(media.store(app.settings), shown)
            if data is None:
                log.warning("media link: the file is missing from the media store")
                return problem(request, "gone")
            headers = {**HEADERS, "Content-Disposition": "inline",
                       "Content-Security-Policy": "default-src 'none'; sandbox"}
            return Response(data, media_type=shown.content_type, headers=headers)
        except Exception:
            log.exception("media link failed")
            return problem(request, "error")

    return [Route(media_links.PATH + "{token}", endpoint, methods=["GET", "HEAD"])]
