"""Flows as data: steps with stable ids, a prompt, an answer kind and where to go next.

The answer kinds themselves live in ``flows.answers``, which imports this module
(never the other way): a step only needs the ``Answer`` interface defined here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flows.conversation import Facts, Profile
from flows.i18n import current_language
from flows.types import Choice, Inbound, Media, Reply
from flows.views import NeedView

ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class Context:
    """What a prompt, an option list or a validation may look at."""

    answers: Mapping[str, Any]
    facts: Facts
    now: datetime
    selection: tuple[str, ...] = ()
    suggested_language: str | None = None
    flow: Flow | None = None

    @property
    def role(self) -> str:
        profile = self.facts.profile
        return profile.role if profile else "champion"

    @property
    def today(self) -> date:
        return self.now.astimezone(self.facts.timezone).date()

    @property
    def language(self) -> str:
        return current_language()

    def view(self, name: str) -> Any:
        """A view the host loads on request; asking for a missing one re-runs the turn."""
        if name not in self.facts.views:
            raise NeedView(name)
        return self.facts.views[name]


Prompt = str | Callable[[Context], str]


@dataclass(frozen=True)
class Parsed:
    value: Any
    media: tuple[Media, ...] = ()


@dataclass(frozen=True)
class Invalid:
    message: str
    # Said even after the emergency message (which otherwise stands alone): the words were
    # meant as the answer but cannot be taken as they are (too long), and are asked again.
    despite_danger: bool = False


@dataclass(frozen=True)
class Selecting:
    """A multi-choice answer is being built up with button presses."""

    selection: tuple[str, ...]


Result = Parsed | Invalid | Selecting


class Answer:
    multi = False
    numbered = True  # False where the answer is itself typed (a number, free text)

    def choices(self, ctx: Context) -> tuple[Choice, ...]:
        return ()

    def parse(self, inbound: Inbound, ctx: Context) -> Result:
        raise NotImplementedError

    def option_ids(self) -> frozenset[str] | None:
        """The option ids, when they are fixed; None when they depend on context."""
        return None

    def show(self, value: Any, ctx: Context) -> str:
        return str(value)

    def problems(self) -> list[str]:
        return []

    def targets(self) -> list[str]:
        """Step ids this answer leads to (checked when flows load)."""
        return []

    def initial_selection(self, ctx: Context) -> tuple[str, ...]:
        """What a multi-choice shows ticked when the question is first asked."""
        return ()


@dataclass(frozen=True)
class Start:
    """Go on to another flow."""

    flow: str


@dataclass(frozen=True)
class Exit:
    """Leave the flow without completing it, emitting an event and saying a message."""

    event: str | None = None
    message: str | None = None
    forget: bool = False  # clear the whole conversation (e.g. consent declined)


END = "end"
Target = str | Start | Exit
Next = Target | Mapping[str, Target] | None


@dataclass(frozen=True)
class Step:
    id: str
    prompt: Prompt
    answer: Answer
    next: Next = None  # None: the following step; a mapping branches on the answer
    optional: bool = False  # a Skip choice and the skip words are accepted
    help: str | None = None
    skip_if: Callable[[Context], bool] | None = None
    skipped: Any = None  # the answer recorded when skip_if skips the step (or a function of ctx)
    stamp: bool = False  # record when it was answered (as "<id>_at")
    label: str | None = None  # short name of the answer, for summaries
    said: Mapping[str, Prompt] | None = None  # a message of its own when answered so
    # A message of its own to send once answered (e.g. health information to forward).
    send: Callable[[Context], Reply] | None = None


@dataclass(frozen=True)
class Flow:
    id: str
    steps: tuple[Step, ...]
    completed: str | None = None  # event emitted with the answers on completion
    done: Prompt | None = None  # said on completion
    then: Target | None = field(default_factory=lambda: Start("menu"))
    title: str | None = None  # "logging an activity", for "carry on or start again?"
    help: str | None = None
    intro: Prompt | None = None  # said once when the flow starts
    # How completing the flow changes the person, so the rest of the turn
    # (e.g. the menu after joining) already sees the change.
    profile: Callable[[Profile | None, Mapping[str, Any]], Profile | None] | None = None
    # Only people with one of these roles may start it (empty: anyone); others hear refusal,
    # as do those who send its slash command when their menu does not offer it.
    roles: tuple[str, ...] = ()
    refusal: str | None = None
    # The step whose photos and voice notes ("<id>_media") also keep those sent at any
    # other question of the flow, so none is lost while the flow is being answered.
    media: str | None = None

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"{self.id}.{step_id}")

    def has_step(self, step_id: str) -> bool:
        return any(step.id == step_id for step in self.steps)

    def after(self, step: Step, value: object) -> Target:
        """Where the flow goes once ``step`` has been answered with ``value``."""
        target: Next = step.next
        if isinstance(target, Mapping):
            key = value if isinstance(value, str) else "*"
            target = target.get(key, target.get("*"))
        if target is None:
            index = self.steps.index(step)
            return self.steps[index + 1].id if index + 1 < len(self.steps) else END
        return target

    def path(self, answers: Mapping[str, Any]) -> list[Step]:
        """The steps the current answers lead through, in order."""
        seen: list[Step] = []
        target: Target = self.steps[0].id if self.steps else END
        while isinstance(target, str) and target != END and self.has_step(target):
            step = self.step(target)
            if step in seen or step.id not in answers:
                break
            seen.append(step)
            target = self.after(step, answers[step.id])
        return seen


def _targets(step: Step) -> list[Target]:
    if isinstance(step.next, Mapping):
        return list(step.next.values())
    return [step.next] if step.next is not None else []


def problems(flows: Mapping[str, Flow]) -> list[str]:
    """Everything wrong with a set of flows; empty when they can all run."""
    found: list[str] = []

    def check_target(where: str, flow: Flow, target: Target | None) -> None:
        if isinstance(target, Start) and target.flow not in flows:
            found.append(f"{where}: starts unknown flow {target.flow!r}")
        elif isinstance(target, str) and target != END and not flow.has_step(target):
            found.append(f"{where}: goes to unknown step {target!r}")

    for key, flow in flows.items():
        if key != flow.id:
            found.append(f"flow {flow.id!r} is registered as {key!r}")
        if not ID.match(flow.id):
            found.append(f"flow id {flow.id!r} is not a short lower-case id")
        ids = [step.id for step in flow.steps]
        for dup in {i for i in ids if ids.count(i) > 1}:
            found.append(f"{flow.id}: step id {dup!r} is used twice")
        check_target(f"{flow.id} (then)", flow, flow.then)
        if flow.media is not None and not flow.has_step(flow.media):
            found.append(f"{flow.id}: keeps media with unknown step {flow.media!r}")
        # A flow with no steps says something, or asks the host to (its event's handler).
        if not flow.steps and not flow.done and not flow.completed:
            found.append(f"{flow.id}: has no steps and says nothing")
        for step in flow.steps:
            where = f"{flow.id}.{step.id}"
            if not ID.match(step.id):
                found.append(f"{where}: step id is not a short lower-case id")
            if isinstance(step.prompt, str) and not step.prompt.strip():
                found.append(f"{where}: empty prompt")
            for target in _targets(step):
                check_target(where, flow, target)
            found.extend(f"{where}: {p}" for p in step.answer.problems())
            for target in step.answer.targets():
                check_target(where, flow, target)
            options = step.answer.option_ids()
            if isinstance(step.next, Mapping) and options is not None:
                for branch in step.next:
                    if branch != "*" and branch not in options:
                        found.append(f"{where}: branches on unknown option {branch!r}")
    return found
