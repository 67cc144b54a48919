"""Partners: the list, a coverage grid of category × area, adding, editing and removing
an organisation, its contacts, and invite codes for new contacts. Every change goes
through bot.services.partners, as the CLI's does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from babel.dates import get_day_names
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from bot.dashboard.pages import Visit
from bot.services import invites, partner_coverage, partners, permissions
from bot.services.permissions import Action
from bot.storage.models import Area, Partner, Person, Role, Status
from flows import languages
from flows.definitions.concern import CATEGORIES
from flows.i18n import language
from flows.languages import CODES

CATEGORY_LABELS = {o.id: o.label for o in CATEGORIES}
DAYS = ("1", "2", "3", "4", "5", "6", "7")


def _days(code: str) -> list[tuple[str, str]]:
    """ISO weekday numbers with their names in the viewer's language."""
    names = get_day_names("wide", locale=languages.get(code).babel_locale)
    return [(day, str(names[int(day) - 1])) for day in DAYS]


def _partner_id(visit: Visit) -> int:
    value = str(visit.request.path_params["partner_id"])
    if not value.isdigit() or len(value) > 9:
        raise LookupError(value)
    return int(value)


async def listing(visit: Visit) -> Response:
    found = await partner_coverage.rows(visit.db)
    grid = await partner_coverage.coverage(visit.db, found)
    return visit.page("partners.html", "partners", rows=found, grid=grid,
                      categories=CATEGORY_LABELS, done=visit.query("done"),
                      returned=visit.number("returned", 0))


@asynccontextmanager
async def _all_or_nothing(visit: Visit) -> AsyncIterator[None]:
    """Run a change in a savepoint: should the service refuse it part-way, what it began is
    rolled back, so "Nothing was saved" is true. Refusals are in the viewer's language."""
    with language(visit.language):
        async with visit.db.begin_nested():
            yield


async def _form_values(visit: Visit) -> partners.Changes:
    assert visit.form is not None
    form = visit.form
    areas = [str(a) for a in form.getlist("areas")]
    emails = str(form.get("emails", "")).replace(",", "\n").split()
    return partners.Changes(
        name=str(form.get("name", "")), categories=[str(c) for c in form.getlist("categories")],
        # "All areas" unticked and no area ticked is refused (partners.Changes), not all.
        areas=["all"] if form.get("all_areas") else areas,
        emails=emails, digest_time=str(form.get("digest_time", "08:00"))[:5],
        language=str(form.get("language", visit.app.settings.default_language)),
        work_days="".join(d for d in DAYS if d in form.getlist("days")))


async def _form(visit: Visit, partner: Partner | None, error: str = "",
                chosen: partners.Changes | None = None) -> Response:
    areas = list(await visit.db.scalars(select(Area).order_by(Area.name)))
    if chosen is None and partner is not None:
        chosen = partners.Changes(
            name=partner.name, categories=await partners.categories_of(visit.db, partner.id),
            areas=["all"] if partner.all_areas else [
                str(a.id) for a in await partners.areas_of(visit.db, partner)],
            emails=partner.emails, digest_time=partner.digest_time, language=partner.language,
            work_days=partner.work_days)
    chosen = chosen or partners.Changes(name="", categories=[], areas=["all"], emails=[],
                                        digest_time="08:00",
                                        language=visit.app.settings.default_language,
                                        work_days="12345")
    contacts: list[Person] = []
    if partner is not None:
        contacts = list(await visit.db.scalars(select(Person).where(
            Person.partner_id == partner.id, Person.role == Role.PARTNER,
            Person.status != Status.ERASED).order_by(Person.id)))
    return visit.page("partner.html", "partners", partner=partner, chosen=chosen,
                      error=error, areas=areas, categories=CATEGORY_LABELS, codes=CODES,
                      days=_days(visit.language), contacts=contacts, done=visit.query("done"))


async def new(visit: Visit) -> Response:
    """GET: an empty form; POST: add the organisation."""
    if visit.form is None:
        return await _form(visit, None)
    changes = await _form_values(visit)
    try:
        async with _all_or_nothing(visit):
            partner = await partners.add(visit.db, changes, visit.now,
                                         visit.app.settings.default_language)
    except partners.Unknown as error:
        with language(visit.language):
            return await _form(visit, None, error.translated(), changes)
    return RedirectResponse(f"/dashboard/partners/{partner.id}?done=added", 303)


async def record(visit: Visit) -> Response:
    """GET: the organisation, its contacts and an edit form; POST: save the changes."""
    partner = await partners.get(visit.db, _partner_id(visit))
    if visit.form is None:
        return await _form(visit, partner)
    changes = await _form_values(visit)
    try:
        async with _all_or_nothing(visit):
            await partners.edit(visit.db, partner.id, changes, visit.now)
    except partners.Unknown as error:
        with language(visit.language):
            return await _form(visit, partner, error.translated(), changes)
    return RedirectResponse(f"/dashboard/partners/{partner.id}?done=saved", 303)


async def remove(visit: Visit) -> Response:
    removed = await partners.remove(visit.db, _partner_id(visit), visit.now, visit.actor.label)
    return RedirectResponse(
        f"/dashboard/partners?done=removed&returned={removed.returned}", 303)


async def invite(visit: Visit) -> Response:
    """A new invite code with which one more contact joins this organisation."""
    partner = await partners.get(visit.db, _partner_id(visit))
    permissions.require(visit.db, visit.actor, Action.MANAGE_PARTNERS, None, visit.now)
    made = await invites.create(visit.db, Role.PARTNER, visit.now, partner_id=partner.id)
    telegram, whatsapp = invites.links(made.code, visit.app.settings.telegram_bot_username)
    return visit.page("partner_invite.html", "partners", partner=partner, made=made,
                      telegram=telegram, whatsapp=whatsapp)
