"""Composing a broadcast on the page: a text per language, the audience with its count per
language and channel ("Count" shows it again without sending), now or a time in the
programme's time zone, urgent. Sending later records it with broadcasts.create_in, as chat
does; a broadcast for now is recorded and started with broadcasts.send_now_in, as the CLI's
`broadcast create --now` does (quiet hours may hold it: the page then says until when;
nobody to send to refuses it, and the form is shown again as typed), and its audience is
written as soon as the page's transaction is committed."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from starlette.background import BackgroundTask
from starlette.responses import RedirectResponse, Response

from bot.app import App
from bot.dashboard.pages import Visit
from bot.dashboard.views.broadcasts import CHANNELS
from bot.services import audiences, broadcasts
from bot.services.permissions import Actor
from bot.services.problems import Problem
from bot.storage.broadcasts import SavedGroup
from bot.storage.models import Area
from flows.definitions.options import TOPICS
from flows.i18n import N_
from flows.languages import CODES

log = logging.getLogger(__name__)
ROLES = {"champions": N_("Champions"), "coordinators": N_("Coordinators"),
         "partners": N_("Partner contacts")}
PICKS = ("areas", "languages", "topics", "roles", "group")


def _spec(form: Any) -> dict[str, list[str]]:
    """The audience as broadcasts take it: only the kinds something was ticked in."""
    return {kind: [str(v) for v in form.getlist(kind) if str(v)] for kind in PICKS
            if any(str(v) for v in form.getlist(kind))}


def _time(visit: Visit, value: str) -> datetime | None:
    """A datetime-local value, read in the programme's time zone; None if not a time."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=visit.app.settings.zone)
    except ValueError:
        return None


async def _options(visit: Visit) -> dict[str, Any]:
    return {"areas": list(await visit.db.scalars(select(Area).order_by(Area.name))),
            "groups": list(await visit.db.scalars(select(SavedGroup).order_by(SavedGroup.name))),
            "topics": TOPICS, "roles": ROLES, "codes": _codes(visit),
            "channel_names": CHANNELS}


def _codes(visit: Visit) -> list[str]:
    default = visit.app.settings.default_language
    return [default, *(c for c in CODES if c != default)]


async def compose(visit: Visit) -> Response:
    """GET: an empty form; POST: count the audience again, or send."""
    form = visit.form
    texts = {c: str(form.get(f"text_{c}", "")).strip() for c in CODES} if form else {}
    spec = _spec(form) if form else {}
    chosen = {"texts": texts, "spec": spec,
              "when": str(form.get("when", "now")) if form else "now",
              "at": str(form.get("at", ""))[:16] if form else "",
              "urgent": bool(form and form.get("urgent"))}
    error: Problem | None = None
    try:
        audience = await audiences.resolve(visit.db, spec or "all")
        counts = await audiences.counts(visit.db, audience)
    except audiences.AudienceError as problem:
        error, counts = problem, {}
    if form is not None and form.get("action") == "send" and error is None:
        sent = await _send(visit, chosen)
        if isinstance(sent, Response):
            return sent
        error = sent
    return visit.page("broadcast_new.html", "broadcasts", chosen=chosen, error=error,
                      table=_table(counts, texts), **await _options(visit))


def _table(counts: dict[tuple[str, str], int], texts: dict[str, str]) -> dict[str, Any]:
    """People per language and channel, and the languages with no text yet."""
    channels = sorted({channel for _language, channel in counts})
    languages = sorted({language for language, _channel in counts})
    rows = [(language, [counts.get((language, c), 0) for c in channels],
             sum(counts.get((language, c), 0) for c in channels)) for language in languages]
    missing = [(language, total) for language, _cells, total in rows
               if not texts.get(language)]
    return {"channels": channels, "rows": rows, "missing": missing,
            "total": sum(counts.values())}


async def _send(visit: Visit, chosen: dict[str, Any]) -> Response | Problem:
    """Record the broadcast (and start it when it is for now), or a problem."""
    at = visit.now
    if chosen["when"] not in ("now", "later"):  # the form offers only these two
        return Problem(N_("Choose a time in the future, or send now."))
    if chosen["when"] == "later":
        found = _time(visit, chosen["at"])
        if found is None or found <= visit.now:
            return Problem(N_("Choose a time in the future, or send now."))
        at = found
    request = broadcasts.Request(
        texts={c: t for c, t in chosen["texts"].items() if t},
        audience=chosen["spec"] or "all", at=at, urgent=chosen["urgent"])
    settings = visit.app.settings
    try:
        if chosen["when"] == "later":  # its page says if nobody matches yet
            broadcast_id = await broadcasts.create_in(visit.db, settings, visit.actor,
                                                      request, visit.now)
            return RedirectResponse(f"/dashboard/broadcasts/{broadcast_id}?done=created", 303)
        broadcast_id, started = await broadcasts.send_now_in(visit.db, settings, visit.actor,
                                                              request, visit.now)
    except broadcasts.BroadcastError as problem:
        return problem
    task = None if started.held_until else BackgroundTask(  # held: its page says until when
        _start, visit.app, visit.actor, started.broadcast_id)
    return RedirectResponse(f"/dashboard/broadcasts/{broadcast_id}?done=sending", 303,
                            background=task)


async def _start(app: App, actor: Actor, broadcast_id: int) -> None:
    """After the page's transaction: write the audience to the outbox (the scheduler's tick
    would carry on with it too, and starting what was started is refused)."""
    try:
        await broadcasts.start(app.database, app.settings, actor, broadcast_id, app.clock())
    except broadcasts.BroadcastError:
        log.info("broadcast %s was already started", broadcast_id)
    app.outbox_ready.set()
