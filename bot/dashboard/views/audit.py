"""The audit log: who did what to whose data, newest first, a page at a time, in words."""

from __future__ import annotations

from sqlalchemy import func, select
from starlette.responses import Response

from bot.dashboard.pages import Visit
from bot.services import audit
from bot.services.roster import PAGE_SIZE, Page
from bot.storage.models import Area, AuditEntry, Partner, Person
from flows.i18n import N_

ACTORS = {"cli": N_("Command line"), "operator": N_("Command line"),
          "system": N_("The bot"), "self": N_("The person themselves"),
          "web": N_("Someone on the web"), "link": N_("Someone with a link")}


async def show(visit: Visit) -> Response:
    total = int(await visit.db.scalar(select(func.count(AuditEntry.id))) or 0)
    number = max(1, min(visit.number("page"), max(1, -(-total // PAGE_SIZE))))
    entries = tuple(await visit.db.scalars(
        select(AuditEntry).order_by(AuditEntry.id.desc())
        .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)))
    ids = {e.person_id for e in entries if e.person_id} | {
        int(e.actor.split(":", 1)[1]) for e in entries
        if e.actor.startswith("person:") and e.actor.split(":", 1)[1].isdigit()}
    names = dict((await visit.db.execute(select(Person.id, Person.display_name).where(
        Person.id.in_(ids)))).all()) if ids else {}
    named = {key: {int(e.detail[key]) for e in entries
                   if isinstance((e.detail or {}).get(key), int)}
             for key in ("area_id", "partner_id", "partner")}
    details = {"area_id": await _names(visit, Area, named["area_id"]),
               "partner_id": await _names(visit, Partner, named["partner_id"] | named["partner"])}
    details["partner"] = details["partner_id"]
    return visit.page("audit.html", "audit", page=Page(entries, number, total),
                      names=names, action_label=audit.label, actors=ACTORS,
                      details=lambda entry: audit.describe(entry.detail, details))


async def _names(visit: Visit, model: type[Area] | type[Partner], ids: set[int]
                 ) -> dict[int, str]:
    if not ids:
        return {}
    return dict((await visit.db.execute(select(model.id, model.name).where(
        model.id.in_(ids)))).all())
