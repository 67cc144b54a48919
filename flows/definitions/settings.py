"""Changing language, area, topics or name after joining."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from flows import commands
from flows.answers import Choose, ChooseLanguage, ChooseMany, Option, Text
from flows.conversation import Profile
from flows.definitions.options import TOPICS
from flows.definitions.profile_steps import AREA, INTERESTS, NAME
from flows.i18n import N_, _, translate
from flows.steps import END, Context, Flow, Parsed, Result, Step
from flows.text import fold
from flows.types import Choice, Inbound

# The name question in Settings: Skip keeps the name as it is (recorded as None); removing
# it is a choice of its own (recorded as "").
REMOVE_NAME = "remove_name"
REMOVE_NAME_LABEL = N_("Remove my name")


def _what(ctx: Context) -> Sequence[Option]:
    options = [Option("language", N_("Language")), Option("name", N_("What we call you"))]
    if ctx.facts.areas:
        options.append(Option("area", N_("My area")))
    options.append(Option("topics", N_("Topics I'm interested in")))
    return options


def _current_name(ctx: Context) -> str | None:
    return ctx.facts.profile.name if ctx.facts.profile else None


class NewName(Text):
    """A new name, or "Remove my name" when there is one to remove."""

    def choices(self, ctx: Context) -> tuple[Choice, ...]:
        if not _current_name(ctx):
            return ()
        return (Choice(REMOVE_NAME, translate(REMOVE_NAME_LABEL)),)

    def parse(self, inbound: Inbound, ctx: Context) -> Result:
        if _current_name(ctx) and (inbound.choice_id == REMOVE_NAME or fold(
                inbound.text or "") in {fold(translate(REMOVE_NAME_LABEL)),
                                        fold(REMOVE_NAME_LABEL)}):
            return Parsed("")
        return super().parse(inbound, ctx)


def _name_question(ctx: Context) -> str:
    name = _current_name(ctx)
    if not name:
        return translate(NAME.prompt) if isinstance(NAME.prompt, str) else NAME.prompt(ctx)
    return _("We call you {name}. What would you like us to call you instead? Send {skip} to "
             "keep {name}.", name=name, skip=commands.first_word("skip"))


def _done(ctx: Context) -> str:
    if ctx.answers.get("what") == "name" and ctx.answers.get("name") is None:
        return _("OK, your name stays as it was.")
    return _("Saved. Thank you!")


def _current_topics(ctx: Context) -> Sequence[str]:
    return ctx.facts.profile.topics if ctx.facts.profile else ()


def _changed(previous: Profile | None, answers: Mapping[str, Any]) -> Profile | None:
    if previous is None:
        return None
    if "language" in answers:
        previous = replace(previous, language=str(answers["language"]))
    if answers.get("name") is not None:  # None: skipped, the name kept as it was
        previous = replace(previous, name=answers["name"] or None)
    if "area" in answers:
        previous = replace(previous, area=answers["area"])
    if "topics" in answers:
        previous = replace(previous, topics=tuple(answers["topics"] or ()))
    return previous


SETTINGS = Flow(
    id="settings",
    steps=(
        Step("what", N_("What would you like to change?"), Choose(_what),
             next={"language": "language", "name": "name", "area": "area",
                   "topics": "topics"}),
        Step("language", N_("Which language would you like to use?"), ChooseLanguage(),
             next=END),
        # The current name shown; Skip keeps it, "Remove my name" removes it.
        replace(NAME, prompt=_name_question, answer=NewName(max_length=60, letters=True),
                next=END),
        replace(AREA, skip_if=None, next=END),
        # The current topics ticked; each number ticks or unticks one, Done saves.
        replace(INTERESTS, prompt=N_("Your topics are ticked. Send the number of a topic to tick "
                                     "or untick it, then Done to save."),
                answer=ChooseMany(TOPICS, minimum=0, toggle=True, initial=_current_topics),
                optional=False, next=END),
    ),
    completed="profile_changed",
    profile=_changed,
    done=_done,
)
