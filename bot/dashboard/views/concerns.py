"""Concerns: the filtered list with pages and a CSV export of the same rows; one escalation
with its history and attachments; acting on it (route, status, note to the champion)
through the one escalation service that chat, the CLI and email links use."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import RedirectResponse, Response

from bot.dashboard.pages import Visit
from bot.services import areas, casenotes, concern_media, concernboard, escalations, partners
from bot.services.concernboard import Filters
from bot.services.permissions import Action, Scope
from bot.storage.models import OPEN, Role
from flows.definitions.casework import STATUS_LABELS
from flows.definitions.concern import CATEGORIES, URGENCY
from flows.i18n import N_, language, translate

# What each kind of viewer may do from the page (the service checks again).
PARTNER_ACTIONS = ("ack", "progress", "done", "notus")
COORDINATOR_STATUS = ("progress", "done", "close")
OPEN_LABEL = N_("Open")
# A note left empty, said in the page's words (the rule is the service's: NEEDS_NOTE).
NOTE_NEEDED = {"done": N_("Please add a short note saying what was done."),
               "notus": N_("Please say why it is not for your service."),
               "note": N_("Please write your message to the champion.")}


def status_label(value: str) -> str:
    label = OPEN_LABEL if value == "open" else STATUS_LABELS.get(value, value)
    return translate(label)


LABELS = {"status_label": status_label, "category_label": casenotes.category,
          "urgency_label": casenotes.urgency}


def _filters(visit: Visit) -> Filters:
    area = visit.query("area")
    older = visit.query("older")
    category = visit.query("category")
    urgency = visit.query("urgency")
    return Filters(
        status=visit.query("status") if visit.query("status") in concernboard.STATUSES else "",
        category=category if category in {o.id for o in CATEGORIES} else "",
        area_id=int(area) if area.isdigit() and len(area) < 9 else None,
        urgency=urgency if urgency in {o.id for o in URGENCY} else "",
        older_than=int(older) if older.isdigit() and len(older) < 5 else None)


def _query_string(filters: Filters) -> str:
    parts = {"status": filters.status, "category": filters.category,
             "area": "" if filters.area_id is None else str(filters.area_id),
             "urgency": filters.urgency,
             "older": "" if filters.older_than is None else str(filters.older_than)}
    return urlencode(parts)


async def listing(visit: Visit) -> Response:
    filters = _filters(visit)
    page = await concernboard.rows(visit.db, visit.actor, visit.app.settings, visit.now,
                                   filters, visit.number("page"))
    return visit.page("concerns.html", "concerns", page=page, filters=filters,
                      query=_query_string(filters), statuses=concernboard.STATUSES,
                      categories=CATEGORIES, urgencies=URGENCY,
                      areas=await areas.all_areas(visit.db), **LABELS)


async def export(visit: Visit) -> Response:
    filters = _filters(visit)
    page = await concernboard.rows(visit.db, visit.actor, visit.app.settings, visit.now,
                                   filters, None)
    with language(visit.language):
        body = concernboard.csv_text(page, visit.app.settings)
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="concerns.csv"'})


def _escalation_id(visit: Visit) -> int:
    value = str(visit.request.path_params["escalation_id"])
    if not value.isdigit() or len(value) > 9:
        raise LookupError(value)
    return int(value)


async def show(visit: Visit, error: str = "", status: int = 200,
               typed: tuple[str, str] = ("", "")) -> Response:
    """The escalation's page; after a refusal, ``typed`` is the (action, note) sent, shown
    again in its form."""
    found = await concernboard.case(visit.db, visit.actor, _escalation_id(visit), visit.now)
    is_open = found.escalation.status in OPEN
    coordinator = visit.allowed(Action.ROUTE_ESCALATION)
    partner_actions = PARTNER_ACTIONS if visit.actor.role is Role.PARTNER and is_open else ()
    scope = Scope(area_id=found.concern.area_id, partner_id=found.escalation.partner_id,
                  person_id=found.concern.person_id)
    with language(visit.language):
        files = concern_media.for_viewer(visit.app.settings, found.attachments, visit.actor,
                                         scope, visit.now)
    response = visit.page(
        "concern.html", "concerns", case=found, error=error, is_open=is_open,
        coordinator=coordinator, partner_actions=partner_actions,
        status_actions=COORDINATOR_STATUS if coordinator and is_open else (),
        partners=await partners.active(visit.db) if coordinator else [],
        done=visit.query("done"), untold=casenotes.UNTOLD.get(visit.query("untold")),
        typed_action=typed[0], typed_note=typed[1], files=files, **LABELS)
    response.status_code = status
    return response


async def act(visit: Visit) -> Response:
    """POST: one action through ``escalations.act``; a refusal shows the page again."""
    assert visit.form is not None
    escalation_id = _escalation_id(visit)
    action = str(visit.form.get("action", ""))
    if action not in escalations.PARTNER_ACTIONS | escalations.COORDINATOR_ACTIONS:
        raise LookupError(action)
    partner = str(visit.form.get("partner", ""))
    note = str(visit.form.get("note", ""))
    with language(visit.language):
        try:
            outcome = await escalations.act(
                visit.db, visit.actor, escalation_id, action, note, visit.now,
                partner_id=int(partner) if partner.isdigit() else None)
        except escalations.NoteNeeded as problem:
            return await show(visit, translate(NOTE_NEEDED[problem.action]), 400,
                              (action, note))
        except escalations.ActionError as problem:
            return await show(visit, problem.message, 400, (action, note))
    visit.app.outbox_ready.set()
    untold = f"&untold={outcome.untold}" if outcome.untold else ""
    shown = outcome.escalation or escalation_id  # routed: the page of the service it went to
    return RedirectResponse(f"/dashboard/concerns/{shown}?done={action}{untold}", 303)
