"""Changing language, area, topics or name after joining."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from flows.answers import Choose, ChooseLanguage, ChooseMany, Option
from flows.conversation import Profile
from flows.definitions.options import TOPICS
from flows.definitions.profile_steps import AREA, INTERESTS, NAME
from flows.i18n import N_
from flows.steps import END, Context, Flow, Step


def _what(ctx: Context) -> Sequence[Option]:
    options = [Option("language", N_("Language")), Option("name", N_("What we call you"))]
    if ctx.facts.areas:
        options.append(Option("area", N_("My area")))
    options.append(Option("topics", N_("Topics I'm interested in")))
    return options


def _current_topics(ctx: Context) -> Sequence[str]:
    return ctx.facts.profile.topics if ctx.facts.profile else ()


def _changed(previous: Profile | None, answers: Mapping[str, Any]) -> Profile | None:
    if previous is None:
        return None
    if "language" in answers:
        previous = replace(previous, language=str(answers["language"]))
    if "name" in answers:
        previous = replace(previous, name=answers["name"])
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
        replace(NAME, next=END),
        replace(AREA, skip_if=None, next=END),
        # The current topics ticked; each number ticks or unticks one, Done saves.
        replace(INTERESTS, prompt=N_("Your topics are ticked. Send the number of a topic to tick "
                                     "or untick it, then Done to save."),
                answer=ChooseMany(TOPICS, minimum=0, toggle=True, initial=_current_topics),
                optional=False, next=END),
    ),
    completed="profile_changed",
    profile=_changed,
    done=N_("Saved. Thank you!"),
)
