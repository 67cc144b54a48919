"""Every flow the bot runs, checked when loaded: an invalid flow stops the import."""

from __future__ import annotations

from flows.definitions.activity import ACTIVITY
from flows.definitions.broadcast import BROADCAST
from flows.definitions.casework import (
    CASE_NOTE,
    CASE_ROUTE,
    CASE_SAID,
    CASE_STATUS,
    CASES,
    OPEN_CASES,
    ROUTING,
)
from flows.definitions.concern import AFTER_DANGER, CONCERN
from flows.definitions.dashboard import DASHBOARD, PROGRAMME_IMPACT
from flows.definitions.impact import IMPACT
from flows.definitions.info import INFO
from flows.definitions.joining import JOINING
from flows.definitions.menu import HELP, LANGUAGE, MENU
from flows.definitions.my_concerns import MY_CONCERNS
from flows.definitions.privacy import FORGET, MY_DATA
from flows.definitions.settings import SETTINGS
from flows.steps import Flow, problems


class InvalidFlows(Exception):
    pass


FLOWS: dict[str, Flow] = {
    flow.id: flow
    for flow in (JOINING, MENU, HELP, LANGUAGE, SETTINGS, FORGET, MY_DATA, ACTIVITY, CONCERN,
                 MY_CONCERNS, IMPACT, INFO, AFTER_DANGER, BROADCAST, CASES, ROUTING,
                 OPEN_CASES, CASE_NOTE, CASE_ROUTE, CASE_STATUS, CASE_SAID, DASHBOARD,
                 PROGRAMME_IMPACT)
}

_found = problems(FLOWS)
if _found:
    raise InvalidFlows("\n".join(_found))
