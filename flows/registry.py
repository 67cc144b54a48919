"""Every flow the bot runs, checked when loaded: an invalid flow stops the import."""

from __future__ import annotations

from flows.definitions.joining import JOINING
from flows.definitions.menu import HELP, LANGUAGE, MENU
from flows.definitions.privacy import FORGET
from flows.definitions.settings import SETTINGS
from flows.steps import Flow, problems


class InvalidFlows(Exception):
    pass


FLOWS: dict[str, Flow] = {
    flow.id: flow for flow in (JOINING, MENU, HELP, LANGUAGE, SETTINGS, FORGET)
}

_found = problems(FLOWS)
if _found:
    raise InvalidFlows("\n".join(_found))
