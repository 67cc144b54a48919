"""Overview: this month against last, and what needs attention now."""

from __future__ import annotations

from starlette.responses import Response

from bot.dashboard.pages import Visit
from bot.services.concernstats import stats
from bot.services.overview import overview
from flows.i18n import N_


async def show(visit: Visit) -> Response:
    today = visit.now.astimezone(visit.app.settings.zone).date()
    found = await overview(visit.db, today, visit.actor.areas)
    this, last = found.this_month, found.last_month
    rows = [
        (N_("Activities"), this.activities, last.activities),
        (N_("People reached"), this.people, last.people),
        (N_("Hours given"), this.hours, last.hours),
        (N_("New champions"), this.new_champions, last.new_champions),
        (N_("Concerns raised"), this.concerns_raised, last.concerns_raised),
        (N_("Concerns resolved"), this.concerns_resolved, last.concerns_resolved),
    ]
    concerns = await stats(visit.db, visit.app.settings, visit.now, visit.actor.areas)
    return visit.page("overview.html", "overview", rows=rows, overview=found, today=today,
                      concerns=concerns)
