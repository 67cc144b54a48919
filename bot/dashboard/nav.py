"""The dashboard's pages: where they live, what the menu calls them, who may open them.
Adding a kind of page: a view module under views/, its templates, one line here and its
routes in views/__init__.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.permissions import Action
from flows.i18n import N_


@dataclass(frozen=True)
class NavItem:
    name: str
    path: str
    label: str  # a catalog message id
    action: Action


NAV: tuple[NavItem, ...] = (
    NavItem("overview", "/dashboard/", N_("Overview"), Action.VIEW_OVERVIEW),
    NavItem("concerns", "/dashboard/concerns", N_("Concerns"), Action.VIEW_CONCERNS),
    NavItem("champions", "/dashboard/champions", N_("Champions"), Action.VIEW_PEOPLE),
    NavItem("partners", "/dashboard/partners", N_("Partners"), Action.MANAGE_PARTNERS),
    NavItem("broadcasts", "/dashboard/broadcasts", N_("Broadcasts"), Action.VIEW_BROADCASTS),
    NavItem("impact", "/dashboard/impact", N_("Impact"), Action.VIEW_IMPACT),
    NavItem("audit", "/dashboard/audit", N_("Audit log"), Action.VIEW_AUDIT),
)
