"""Coordinators in chat: a sign-in link for the dashboard, and this month's impact chart.
The flows only ask; the host checks the role and makes the link or the chart."""

from __future__ import annotations

from flows.i18n import N_
from flows.steps import Flow

DASHBOARD = Flow(id="dashboard", steps=(), completed="dashboard_requested", then=None)

PROGRAMME_IMPACT = Flow(id="programme_impact", steps=(),
                        completed="programme_impact_requested", then=None,
                        # What /chart says to those whose menu does not offer it.
                        refusal=N_("Sorry, this is only for coordinators."))
