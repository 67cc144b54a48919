"""/act/<token>: a confirmation page for a signed link (GET changes nothing), and the
action itself when its form is sent (POST), done once, in one transaction."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.pages import escalation_links, unsubscribe
from bot.pages.actions import ActionContext, ActionRefused, LinkAction, Shown, registry
from bot.pages.render import chosen_language, form_values, page
from bot.services import audit, links
from bot.services.links import Link, LinkError, LinkExpired
from bot.services.permissions import Forbidden
from flows import i18n
from flows.i18n import N_, _, translate

log = logging.getLogger(__name__)

# Every purpose a link in an email may have; other slices add theirs here.
ACTIONS: tuple[LinkAction, ...] = (unsubscribe.ACTION, *escalation_links.ACTIONS)

PROBLEMS = {
    "forged": (400, N_("This link is not valid. Please open it exactly as it came in the "
                       "email, or ask for a new one.")),
    "wrong_purpose": (400, N_("This link is not meant for this page.")),
    "expired": (410, N_("This link has expired. Please ask for a new one.")),
    "used": (410, N_("This link has already been used, so nothing more was done.")),
    "form": (400, N_("This form has expired. Please open the link from your email again.")),
    "refused": (403, N_("You cannot do this with this link.")),
    "error": (500, N_("Sorry, something went wrong on our side. Nothing was changed. Please "
                      "try again later.")),
}


def form_token(secret: str, link: Link) -> str:
    """Ties the form to its link, so only a form we showed for this link is taken."""
    digest = hmac.new(secret.encode(), f"form:{link.nonce}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def routes(app: App, actions: Sequence[LinkAction] = ACTIONS) -> list[BaseRoute]:
    known = registry(actions)
    programme = app.settings.programme_name
    default = app.settings.default_language

    def problem(request: Request, reason: str, link: Link | None = None,
                message: str | None = None, status: int | None = None) -> HTMLResponse:
        code, text = PROBLEMS[reason]
        with i18n.language(chosen_language(request, link.language if link else None, default)):
            return page("problem.html", i18n.current_language(), status or code,
                        programme=programme, title=_("This link cannot be used"),
                        message=message or translate(text))

    def confirmation(request: Request, secret: str, link: Link, shown: Shown, status: int = 200,
                     error: str | None = None, values: dict[str, str] | None = None,
                     ) -> HTMLResponse:
        return page("act.html", i18n.current_language(), status, programme=programme,
                    title=shown.title, shown=shown, csrf=form_token(secret, link), error=error,
                    values=values or {}, action=_same_page(request))

    async def refused(reason: str, link: Link | None = None) -> None:
        """A link refused before its action ran: written to the audit log on its own."""
        async with app.database.transaction() as session:
            _audit(session, reason, link, app.clock())

    async def endpoint(request: Request) -> Response:
        try:
            async with app.database.transaction() as session:
                secret = await links.key(session, app.settings, app.clock())
            form = ({k: v.strip() for k, v in form_values(await request.form()).items()}
                    if request.method == "POST" else None)
            try:
                link = links.verify(secret, request.path_params["token"], known,
                                    now=app.clock())
            except LinkError as error:
                log.info("link refused: %s", error.reason)
                await refused(error.reason)
                # An expired link is still ours: answered in the language it was made for.
                return problem(request, error.reason,
                               error.link if isinstance(error, LinkExpired) else None)
            if form is not None and not hmac.compare_digest(
                    form.get("csrf", ""), form_token(secret, link)):
                return problem(request, "form", link)
            with i18n.language(chosen_language(request, link.language, default)):
                return await _handle(request, secret, link, form)
        except Exception:
            log.exception("link page failed")
            return problem(request, "error")

    async def _handle(request: Request, secret: str, link: Link, form: dict[str, str] | None
                      ) -> Response:
        action = known[link.purpose]
        try:
            async with app.database.transaction() as session:
                if await links.is_used(session, link):
                    _audit(session, "used", link, app.clock())
                    return problem(request, "used", link)
                ctx = ActionContext(session, link, app, app.clock(), form or {})
                try:
                    shown = await action.describe(ctx)
                    if form is None:
                        return confirmation(request, secret, link, shown)
                    if error := _check(shown, form):
                        return confirmation(request, secret, link, shown, 400, error, form)
                    done = await action.perform(ctx)
                except ActionRefused as refusal:
                    return problem(request, "refused", link, refusal.message, refusal.status)
                except Forbidden:
                    return problem(request, "refused", link)
                await links.use(session, link, ctx.now)
        except (IntegrityError, links.LinkUsed):  # used by another request at the same moment
            await refused("used", link)
            return problem(request, "used", link)
        app.outbox_ready.set()  # the action may have written messages
        return page("done.html", i18n.current_language(), programme=programme,
                    title=_("Done"), message=done)

    return [Route(links.ACT_PATH + "{token}", endpoint, methods=["GET", "POST"])]


def _audit(session: AsyncSession, reason: str, link: Link | None, now: datetime) -> None:
    """Why a link was refused and what it was for (never its token: it would still work)."""
    subject = {key: value for key, value in (link.subject.items() if link else ())
               if isinstance(value, int)}  # ids only, no addresses
    audit.record(session, "link", "link_refused", None, now, reason=reason,
                 purpose=link.purpose if link else None, **subject)


def _same_page(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _check(shown: Shown, form: dict[str, str]) -> str | None:
    """What is wrong with the boxes filled in, translated; None if nothing."""
    for box in shown.fields:
        value = form.get(box.name, "")
        if box.required and not value:
            return _("Please fill in: {field}", field=box.label)
        if len(value) > box.max_length:
            return _("Please keep “{field}” under {count} characters.", field=box.label,
                     count=i18n.number(box.max_length))
    return None
