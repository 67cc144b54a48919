"""Moving on after an answer, and starting, leaving and completing flows. A mixin of the
engine's run, like ``flows.navigation``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flows.answers import PickStep
from flows.conversation import Conversation
from flows.danger import CARRIED
from flows.i18n import _, translate
from flows.navigation import GIVEN, RESUME
from flows.run_parts import RunParts
from flows.steps import END, Exit, Flow, Start, Step, Target


class Transitions(RunParts):
    def goto(self, target: Target) -> None:
        flow = self.flow
        while flow is not None:
            if isinstance(target, Start):
                self.start(target.flow)
                return
            if isinstance(target, Exit):
                self.leave(target)
                return
            if target == END:
                self.complete(flow)
                return
            step = flow.step(target)
            if GIVEN in self.conv.answers and (
                    instead := self.use_given(flow, step)) is not None:
                target = instead  # the file sent at the menu answered it
                continue
            if step.skip_if and step.skip_if(self.ctx()):
                # Recorded as answered, so the flow's path runs through it.
                skipped = step.skipped(self.ctx()) if callable(step.skipped) else step.skipped
                self.set(answers={**self.conv.answers, step.id: skipped})
                target = flow.after(step, skipped)
                continue
            back_to = self.review_target(flow, step)
            if back_to is not None:
                target = back_to
                continue
            self.set(step=step.id, selection=step.answer.initial_selection(self.ctx()))
            self.ask()
            return

    def review_target(self, flow: Flow, step: Step) -> str | None:
        """While changing one answer: back to the summary once the path rejoins it."""
        review = self.conv.reviewing
        pick = flow.step(review).answer if review and flow.has_step(review) else None
        if not isinstance(pick, PickStep):
            return None
        if step.id == pick.back_to:
            self.set(reviewing=None)
            return None
        if step.label and step.id in self.conv.answers:
            self.set(reviewing=None)
            return pick.back_to
        return None

    def start_default(self) -> None:
        profile = self.facts.profile
        if profile is None:
            self.first_contact()
        elif profile.status == "active":
            self.start("menu")

    def start(self, flow_id: str) -> None:
        flow = self.flows[flow_id]
        profile = self.facts.profile
        if flow.roles and (profile is None or profile.role not in flow.roles):
            self.note(translate(flow.refusal) if flow.refusal
                      else _("Sorry, that is not available to you."))
            self.start("menu")
            return
        if flow_id in self.conv.drafts:
            self.set(flow=flow_id, step=RESUME, selection=())
            self.ask()
            return
        carried = {k: v for k, v in self.conv.answers.items() if k in CARRIED}
        if GIVEN in self.conv.answers and (flow.media or flow_id == "menu"):
            # A file sent at the menu, for the concern it starts (or one started from the
            # menu right away); any other flow leaves it behind.
            carried[GIVEN] = self.conv.answers[GIVEN]
        self.set(flow=flow_id, step=None, answers=carried, trail=(), selection=(),
                 reviewing=None)
        if flow.intro:
            self.note(self.render(flow.intro))
        if not flow.steps:
            self.complete(flow)
        else:
            self.goto(flow.steps[0].id)

    def leave(self, exit_: Exit) -> None:
        if exit_.event:
            self.emit(exit_.event, self.effective(self.flow))
        if exit_.message:
            self.note(self.unsaved(translate(exit_.message)) if not exit_.event
                      else translate(exit_.message))
        self.conv = Conversation() if exit_.forget else self.conv.cleared()
        if not exit_.forget:
            self.start_default()

    def effective(self, flow: Flow | None) -> dict[str, Any]:
        """The answers on the path the flow took; a changed branch leaves none behind."""
        if flow is None:
            return {}
        answers = self.conv.answers
        kept: dict[str, Any] = {k: v for k, v in answers.items() if k.startswith("_")}
        for step in flow.path(answers):
            kept[step.id] = answers[step.id]
            for suffix in ("_media", "_at"):
                if f"{step.id}{suffix}" in answers:
                    kept[f"{step.id}{suffix}"] = answers[f"{step.id}{suffix}"]
        return kept

    def complete(self, flow: Flow) -> None:
        answers = self.effective(flow)
        if flow.completed:
            self.emit(flow.completed, answers)
        if flow.profile:
            self.facts = replace(self.facts, profile=flow.profile(self.facts.profile, answers))
        if flow.done and (said := self.render(flow.done)):
            self.note(said)
        detour = self.conv.detour
        self.set(flow=None, step=None, answers={}, trail=(), selection=(), reviewing=None,
                 detour=None)
        if detour:
            self.set(flow=detour.flow, step=detour.step, answers=dict(detour.answers),
                     trail=detour.trail)
            self.ask()
        elif isinstance(flow.then, Start):
            self.start(flow.then.flow)
        elif isinstance(flow.then, Exit):
            self.leave(flow.then)
        else:
            self.start_default()
