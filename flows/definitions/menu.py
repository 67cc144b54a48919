"""The main menu, help and the language switch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from flows.answers import Choose, ChooseLanguage, Option
from flows.commands import summary
from flows.conversation import Profile
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

# Coordinators route and follow concerns, and send health messages to champions.
COORDINATOR_ENTRIES: tuple[Option, ...] = (
    Option("routing", N_("Concerns needing routing")),
    Option("open_cases", N_("Open concerns")),
    Option("broadcast", N_("Send a health message")),
    Option("settings", N_("Settings")),
    Option("help", N_("Help")),
)


def _entries(ctx: Context) -> Sequence[Option]:
    if ctx.role == "partner":
        return PARTNER_ENTRIES
    if ctx.role == "coordinator":
        return COORDINATOR_ENTRIES
    return ENTRIES


MENU = Flow(
    id="menu",
    steps=(
        Step("choose", N_("What would you like to do?"), Choose(_entries),
             next={entry.id: Start(entry.id)
                   for entry in (*ENTRIES, *PARTNER_ENTRIES, *COORDINATOR_ENTRIES)}),
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
