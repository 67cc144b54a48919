"""Broadcasts: the list, each one's report (the delivery funnel by language and channel,
the Useful / Not clear answers) and cancelling. Composing is in broadcast_compose."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from bot.dashboard.pages import Visit
from bot.dashboard.render import LANGUAGE_NAMES
from bot.services import broadcast_reports, broadcasts
from bot.services.permissions import Action
from bot.storage.broadcasts import Broadcast, BroadcastStatus, BroadcastText
from flows.i18n import N_, translate

PER_PAGE = 50
STATES = {"draft": N_("Not started"), "scheduled": N_("Scheduled"),
          "starting": N_("Sending"), "started": N_("Started"), "cancelled": N_("Cancelled")}
FUNNEL = {"queued": N_("Queued"), "sent": N_("Sent"), "delivered": N_("Delivered"),
          "read": N_("Read"), "failed": N_("Failed"),
          "waiting_for_template": N_("Waiting for template"), "unknown": N_("Unknown"),
          "cancelled": N_("Cancelled")}
REPEATS = {"weekly": N_("Repeats weekly."), "monthly": N_("Repeats monthly.")}
CHANNELS: dict[str, str] = {"telegram": "Telegram", "whatsapp": "WhatsApp",
                            "console": N_("Simulator"), "email": N_("Email")}


class Page:
    """One page of the list, newest first."""

    def __init__(self, items: list[broadcasts.Summary], number: int) -> None:
        self.total = len(items)
        self.pages = max(1, -(-self.total // PER_PAGE))
        self.number = min(max(1, number), self.pages)
        newest = list(reversed(items))
        self.items = newest[(self.number - 1) * PER_PAGE:self.number * PER_PAGE]


def channel_name(name: str) -> str:
    return translate(CHANNELS[name]) if name in CHANNELS else name


def _broadcast_id(visit: Visit) -> int:
    value = str(visit.request.path_params["broadcast_id"])
    if not value.isdigit() or len(value) > 9:
        raise LookupError(value)
    return int(value)


async def listing(visit: Visit) -> Response:
    page = Page(await broadcasts.listing_in(visit.db), visit.number("page"))
    sizes = await broadcast_reports.recipient_counts(visit.db)
    return visit.page("broadcasts.html", "broadcasts", page=page, sizes=sizes, states=STATES,
                      may_send=visit.allowed(Action.SEND_BROADCAST))


async def report(visit: Visit) -> Response:
    found = await broadcast_reports.report_in(visit.db, visit.actor, _broadcast_id(visit),
                                              visit.now)
    texts = list(await visit.db.scalars(select(BroadcastText).where(
        BroadcastText.broadcast_id == found.broadcast_id, BroadcastText.fallback.is_(False))
        .order_by(BroadcastText.language)))
    # Not started yet: whether anyone matches its audience now (it may still go to no one).
    waiting = found.status in (BroadcastStatus.DRAFT.value, BroadcastStatus.SCHEDULED.value)
    nobody_yet = waiting and not await broadcasts.reach_in(visit.db, found.broadcast_id)
    return visit.page("broadcast.html", "broadcasts", report=found, texts=texts,
                      nobody_yet=nobody_yet,
                      states=STATES, funnel=FUNNEL, channels=CHANNELS, repeats=REPEATS,
                      lambda_language=lambda code: LANGUAGE_NAMES.get(code, code),
                      lambda_channel=channel_name,
                      answers=(found.latest or found).feedback,
                      done=visit.query("done"), cancelled=visit.number("cancelled", 0),
                      may_cancel=visit.allowed(Action.SEND_BROADCAST)
                      and found.status != BroadcastStatus.CANCELLED.value)


async def cancel(visit: Visit) -> Response:
    broadcast_id = _broadcast_id(visit)
    if await visit.db.get(Broadcast, broadcast_id) is None:
        raise LookupError(broadcast_id)
    try:
        count = await broadcasts.cancel_in(visit.db, visit.actor, broadcast_id, visit.now)
    except broadcasts.BroadcastError:  # already cancelled: the report says so
        return RedirectResponse(f"/dashboard/broadcasts/{broadcast_id}", 303)
    return RedirectResponse(
        f"/dashboard/broadcasts/{broadcast_id}?done=cancelled&cancelled={count}", 303)
