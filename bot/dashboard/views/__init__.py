"""One module per kind of page; ROUTES lists every page with the action it needs."""

from __future__ import annotations

from bot.dashboard.pages import View
from bot.dashboard.views import (
    audit,
    broadcast_compose,
    broadcasts,
    champions,
    concerns,
    impact,
    overview,
    partners,
)
from bot.services.permissions import Action

# (path under /dashboard, methods, the action it needs, the view)
ROUTES: list[tuple[str, tuple[str, ...], Action, View]] = [
    ("/", ("GET",), Action.VIEW_OVERVIEW, overview.show),
    ("/champions", ("GET",), Action.VIEW_PEOPLE, champions.listing),
    ("/champions/invite", ("GET", "POST"), Action.MANAGE_PEOPLE, champions.invite),
    ("/champions/{person_id}", ("GET",), Action.VIEW_PEOPLE, champions.record),
    ("/champions/{person_id}/approve", ("POST",), Action.MANAGE_PEOPLE, champions.approve),
    ("/champions/{person_id}/pause", ("POST",), Action.MANAGE_PEOPLE, champions.pause),
    ("/concerns", ("GET",), Action.VIEW_CONCERNS, concerns.listing),
    ("/concerns/export", ("GET",), Action.VIEW_CONCERNS, concerns.export),
    ("/concerns/{escalation_id}", ("GET",), Action.VIEW_CONCERNS, concerns.show),
    ("/concerns/{escalation_id}/act", ("POST",), Action.VIEW_CONCERNS, concerns.act),
    ("/impact", ("GET",), Action.VIEW_IMPACT, impact.show),
    ("/impact/export", ("GET",), Action.VIEW_IMPACT, impact.export),
    ("/audit", ("GET",), Action.VIEW_AUDIT, audit.show),
    ("/partners", ("GET",), Action.MANAGE_PARTNERS, partners.listing),
    ("/partners/new", ("GET", "POST"), Action.MANAGE_PARTNERS, partners.new),
    ("/partners/{partner_id}", ("GET", "POST"), Action.MANAGE_PARTNERS, partners.record),
    ("/partners/{partner_id}/remove", ("POST",), Action.MANAGE_PARTNERS, partners.remove),
    ("/partners/{partner_id}/invite", ("POST",), Action.MANAGE_PARTNERS, partners.invite),
    ("/broadcasts", ("GET",), Action.VIEW_BROADCASTS, broadcasts.listing),
    ("/broadcasts/new", ("GET", "POST"), Action.SEND_BROADCAST, broadcast_compose.compose),
    ("/broadcasts/{broadcast_id}", ("GET",), Action.VIEW_BROADCASTS, broadcasts.report),
    ("/broadcasts/{broadcast_id}/cancel", ("POST",), Action.SEND_BROADCAST, broadcasts.cancel),
]
