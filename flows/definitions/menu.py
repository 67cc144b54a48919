"""The main menu, help and the language switch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from flows.answers import Choose, ChooseLanguage, Option
from flows.commands import summary
from flows.conversation import FORMER_PARTNER, Profile
from flows.i18n import N_, _
from flows.languages import get as language_named
from flows.steps import Context, Flow, Start, Step

# Menu entries in the order shown; each starts the flow with the same id.
ENTRIES: tuple[Option, ...] = (
    Option("activity", N_("Log an activity")),
    Option("concern", N_("Share a community concern")),
    Option("info", N_("Health information")),
    Option("concerns", N_("My concerns")),
    Option("impact", N_("My impact")),
    Option("settings", N_("Settings")),
    Option("help", N_("Help")),
)


# A partner service's contacts see what is waiting for their service.
PARTNER_ENTRIES: tuple[Option, ...] = (
    Option("cases", N_("New and open concerns")),
    Option("dashboard", N_("Open the dashboard")),
    Option("language", N_("Language")),
    Option("help", N_("Help")),
)

# Coordinators route and follow concerns, send health messages to champions, and see the
# programme on the dashboard and as this month's chart.
COORDINATOR_ENTRIES: tuple[Option, ...] = (
    Option("routing", N_("Concerns needing routing")),
    Option("open_cases", N_("Open concerns")),
    Option("broadcast", N_("Send a health message")),
    Option("dashboard", N_("Open the dashboard")),
    Option("programme_impact", N_("Impact chart for this month")),
    Option("settings", N_("Settings")),
    Option("help", N_("Help")),
)

# A partner's contact whose organisation was removed: nothing to act on any more.
FORMER_PARTNER_ENTRIES: tuple[Option, ...] = (
    Option("language", N_("Language")),
    Option("help", N_("Help")),
)

_BY_ROLE: Mapping[str, tuple[Option, ...]] = {
    "champion": ENTRIES,
    "partner": PARTNER_ENTRIES,
    "coordinator": COORDINATOR_ENTRIES,
    FORMER_PARTNER: FORMER_PARTNER_ENTRIES,
}


def entries(role: str) -> tuple[Option, ...]:
    """A role's menu. It is also what the role may open by slash command (``/log`` only
    where the menu offers "Log an activity"), and what Telegram lists for it."""
    return _BY_ROLE.get(role, ENTRIES)


def _entries(ctx: Context) -> Sequence[Option]:
    return entries(ctx.role)


def _question(ctx: Context) -> str:
    if ctx.role == FORMER_PARTNER:
        return "\n\n".join([
            _("Your organisation is no longer one of our partner services, so there are no "
              "concerns here for you to act on."),
            _("What would you like to do?")])
    return _("What would you like to do?")


MENU = Flow(
    id="menu",
    steps=(
        Step("choose", _question, Choose(_entries),
             next={entry.id: Start(entry.id)
                   for options in _BY_ROLE.values() for entry in options}),
    ),
    then=None,
)


def _help(ctx: Context) -> str:
    return _(
        "{programme} helps community health champions record their work, pass on their "
        "community's concerns and share health information.\n"
        "Choose from the menu by sending the number of an option.",
        programme=ctx.facts.programme_name,
    ) + "\n\n" + summary()


HELP = Flow(id="help", steps=(), done=_help)


def _language_chosen(previous: Profile | None, answers: Mapping[str, Any]) -> Profile | None:
    if previous is None:
        return None
    return replace(previous, language=str(answers["language"]))


def _language_done(ctx: Context) -> str:
    chosen = language_named(str(ctx.answers.get("language", "en")))
    return _("OK, I will use {language} from now on.", language=chosen.native_name)


LANGUAGE = Flow(
    id="language",
    steps=(Step("language", N_("Which language would you like to use?"), ChooseLanguage()),),
    completed="profile_changed",
    profile=_language_chosen,
    done=_language_done,
    then=None,
)
