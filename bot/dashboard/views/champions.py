"""Champions: the list (search, filter, pages), one champion's record, approve, pause, and
inviting new champions with a code, a Telegram link and a QR code."""

from __future__ import annotations

import base64

import qrcode
import qrcode.image.svg
from starlette.responses import RedirectResponse, Response

from bot.dashboard.pages import Visit
from bot.services import invites, permissions, roster
from bot.services.permissions import Action
from bot.storage.models import Role, Status
from flows.i18n import language


async def listing(visit: Visit) -> Response:
    search, status = visit.query("q"), visit.query("status")
    page = await roster.champions(visit.db, visit.actor, visit.now, search=search,
                                  status=status, page=visit.number("page"))
    return visit.page("champions.html", "champions", page=page, search=search, status=status,
                      statuses=[s.value for s in Status if s != Status.ERASED],
                      may_manage=visit.allowed(Action.MANAGE_PEOPLE))


def _person_id(visit: Visit) -> int:
    value = str(visit.request.path_params["person_id"])
    if not value.isdigit() or len(value) > 9:
        raise LookupError(value)
    return int(value)


async def record(visit: Visit) -> Response:
    person = await roster.champion(visit.db, visit.actor, _person_id(visit), visit.now)
    activities = await roster.activities(visit.db, person, visit.number("page"))
    return visit.page("champion.html", "champions", person=person, activities=activities,
                      may_manage=permissions.allowed(visit.actor, Action.MANAGE_PEOPLE,
                                                     roster.scope_of(person)))


async def approve(visit: Visit) -> Response:
    await roster.approve(visit.db, visit.actor, _person_id(visit), visit.now)
    visit.app.outbox_ready.set()
    return RedirectResponse(f"/dashboard/champions/{_person_id(visit)}?done=approved", 303)


async def pause(visit: Visit) -> Response:
    await roster.pause(visit.db, visit.actor, _person_id(visit), visit.now)
    return RedirectResponse(f"/dashboard/champions/{_person_id(visit)}?done=paused", 303)


def qr_svg(text: str) -> str:
    """``text`` as a QR code, an SVG image in a data: address (no file, no script)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


async def invite(visit: Visit) -> Response:
    """GET: the form; POST: a new code to share (the code, the link, a QR code), or the
    form again saying what is wrong, with nothing made (the limits of `champbot invite`)."""
    made, error, uses = None, "", "1"
    if visit.form is not None:
        permissions.require(visit.db, visit.actor, Action.MANAGE_PEOPLE, None, visit.now)
        uses = str(visit.form.get("uses", "1"))[:20]
        try:
            people, days = invites.limits(uses)
        except invites.OutOfRange as problem:
            with language(visit.language):
                error = problem.translated()
        else:
            made = await invites.create(visit.db, Role.CHAMPION, visit.now, uses=people,
                                        days=days)
            uses = "1"
    telegram, whatsapp = invites.links(made.code, visit.app.settings.telegram_bot_username) \
        if made else ("", "")
    return visit.page("invite.html", "champions", made=made, telegram=telegram,
                      whatsapp=whatsapp, qr=qr_svg(telegram) if made and telegram else "",
                      error=error, uses=uses, most=invites.MAX_USES)
