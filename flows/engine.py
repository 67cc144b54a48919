"""The conversation engine: one inbound message in; replies, events and the new state out.

``resume`` is pure: it reads the saved conversation, the inbound message, the
time and a snapshot of facts, and returns what to say and what happened. It
never stores or sends anything; the host applies the events and writes the
replies in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flows import commands, invites, languages
from flows.answers import Choose, ChooseLanguage, PickStep, out_of_range
from flows.casework import CaseWords
from flows.conversation import Conversation, Facts
from flows.danger import CARRIED, Danger
from flows.i18n import _, language, switch_language, translate
from flows.navigation import RESUME, Navigation
from flows.steps import END, Context, Exit, Flow, Invalid, Prompt, Selecting, Start, Step, Target
from flows.text import fold, parse_whole_number
from flows.types import Choice, Event, Inbound, Output, Reply
from flows.views import NeedView


@dataclass(frozen=True)
class Turn:
    output: tuple[Output, ...]
    conversation: Conversation
    # Views the turn needs that were not in the facts: load them and resume again.
    needs: frozenset[str] = frozenset()

    @property
    def replies(self) -> tuple[Reply, ...]:
        return tuple(o for o in self.output if isinstance(o, Reply))

    @property
    def events(self) -> tuple[Event, ...]:
        return tuple(o for o in self.output if isinstance(o, Event))


def resume(
    conversation: Conversation,
    inbound: Inbound,
    now: datetime,
    facts: Facts | None = None,
    flows: Mapping[str, Flow] | None = None,
) -> Turn:
    if flows is None:
        from flows.registry import FLOWS

        flows = FLOWS
    run = _Run(conversation, inbound, now, facts or Facts(), flows)
    with language(run.language):
        try:
            run.handle()
        except NeedView as need:
            return Turn((), conversation, frozenset({need.name}))
        conversation = run.finish()  # flushes notes not yet said with a question
        return Turn(tuple(run.output), conversation)


class _Run(Navigation, Danger, CaseWords):
    def __init__(
        self, conv: Conversation, inbound: Inbound, now: datetime, facts: Facts,
        flows: Mapping[str, Flow],
    ) -> None:
        self.conv, self.inbound, self.now, self.facts, self.flows = conv, inbound, now, facts, flows
        self.output: list[Output] = []
        self.notes: list[str] = []  # said with the next question, as one message
        self.flagged: str | None = None
        self.explicit_code = invites.is_explicit(inbound.text)
        hinted = languages.from_tag(inbound.language_hint)
        self.suggested = conv.language or hinted
        # An unjoined person's language is kept only once it is known: hinted or chosen.
        self.language_known = self.suggested is not None
        if facts.profile:
            self.language = facts.profile.language
        else:
            self.language = conv.language or hinted or facts.default_language

    # -- state ---------------------------------------------------------------

    @property
    def joined(self) -> bool:
        return self.facts.profile is not None

    @property
    def flow(self) -> Flow | None:
        return self.flows.get(self.conv.flow) if self.conv.flow else None

    @property
    def step(self) -> Step | None:
        flow = self.flow
        if flow is None or self.conv.step is None or not flow.has_step(self.conv.step):
            return None
        return flow.step(self.conv.step)

    def ctx(self) -> Context:
        return Context(
            self.conv.answers, self.facts, self.now, self.conv.selection, self.suggested,
            self.flow,
        )

    def set(self, **changes: Any) -> None:
        self.conv = replace(self.conv, **changes)

    def finish(self) -> Conversation:
        self.flush()
        if not self.joined and self.conv.flow is not None and self.language_known:
            self.set(language=self.language)
        return replace(self.conv, updated_at=self.now)

    # -- output --------------------------------------------------------------

    def note(self, text: str) -> None:
        """Something to tell the person; it travels with the next question."""
        self.notes.append(text)

    def say(self, text: str, choices: tuple[Choice, ...] = (), **options: Any) -> None:
        if self.notes:
            text = "\n\n".join([*self.notes, text])
            self.notes = []
        self.output.append(Reply(text, choices, language=self.language, **options))

    def flush(self) -> None:
        """Say the notes not yet said, as a message of their own."""
        if self.notes:
            self.output.append(Reply("\n\n".join(self.notes), language=self.language))
            self.notes = []

    def emit(self, name: str, data: Mapping[str, Any] | None = None) -> None:
        self.flush()  # notes so far come before the event (its handler may reply too)
        self.output.append(Event(name, dict(data or {})))

    def emit_reply(self, reply: Reply) -> None:
        """A message of its own (in whatever language it carries), after any notes."""
        self.flush()
        self.output.append(reply)

    def render(self, prompt: Prompt) -> str:
        return translate(prompt) if isinstance(prompt, str) else prompt(self.ctx())

    def ask(self, prefix: str | None = None) -> None:
        flow, step = self.flow, self.step
        if flow is None:
            self.start_default()
            return
        if self.conv.step == RESUME:
            self.ask_resume(flow, prefix)
            return
        if step is None:
            self.start(flow.id)
            return
        text = self.render(step.prompt)
        choices = step.answer.choices(self.ctx())
        if step.optional:
            choices = (*choices, Choice("skip", _("Skip")))
        self.say(
            f"{prefix}\n\n{text}" if prefix else text,
            choices,
            multi=step.answer.multi,
            numbered=step.answer.numbered,
            question=f"{flow.id}.{step.id}",
        )

    # -- one message ---------------------------------------------------------

    def handle(self) -> None:
        command = self.command()
        flagged = command is None and self.check_for_danger()
        if self.paused and not (command and command.name == "start"):
            # STOP means "send me nothing unasked", never "ignore me when I write".
            if not flagged:
                self.remind_paused()
            return
        if flagged and not self.conv.idle(self.now, self.facts.idle_timeout) and (
                self.offer_after_danger()):
            return
        if self.conv.flow and self.conv.idle(self.now, self.facts.idle_timeout):
            self.conv = replace(self.conv.cleared(), language=self.conv.language)
            self.note(_("Welcome back! It has been a while, so we are starting again."))
            if command is None:
                if not self.case_word():  # ACK C-1042 still acts after a long pause
                    self.start_default()
                return
        profile = self.facts.profile
        if profile and profile.status == "paused":
            # Only START gets here (see above).
            self.emit("messages_resumed")
            self.note(_("Welcome back! Messages are switched on again."))
            self.start("menu")
            return
        if profile and profile.status == "pending" and not (command and command.name == "stop"):
            self.note(
                _("Thank you for registering. A coordinator will confirm your place soon, "
                  "and we will message you then.")
            )
            return
        if command:
            self.run_command(command)
        elif self.case_word():
            pass  # a partner or coordinator acted on an escalation (ACK C-1042...)
        elif self.conv.flow is None:
            self.first_contact() if not self.joined else self.start("menu")
        else:
            self.answer()

    # -- answering the current question -------------------------------------

    def answer(self) -> None:
        flow, step = self.flow, self.step
        if flow is None:
            self.start_default()
            return
        if self.conv.step == RESUME:
            self.answer_resume(flow)
            return
        if step is None:
            self.start(flow.id)
            return
        asked = self.inbound.choice_question
        if asked and asked != f"{flow.id}.{step.id}":
            self.ask(_("That button belongs to an earlier question. Here is the current one."))
            return
        extra = self.extra(step)
        if extra == "done" and step.optional and not self.conv.selection:
            extra = "skip"  # Done with nothing ticked at an optional question: skipped
        if extra == "skip" and step.optional:
            self.record(step, None, ())
            self.goto(flow.after(step, None))
            return
        inbound = replace(self.inbound, choice_id="done") if extra == "done" else self.inbound
        shown = self.shown_choices(step) if isinstance(step.answer, Choose) else ()
        typed = parse_whole_number(inbound.text or "") if shown and not inbound.choice_id else None
        if typed is not None and not 1 <= typed <= len(shown) and not self.flagged:
            self.ask(out_of_range(len(shown)).message)
            return
        result = step.answer.parse(inbound, self.ctx())
        if isinstance(result, Selecting):
            self.set(selection=result.selection)
            self.ask()
        elif isinstance(result, Invalid):
            # After the emergency message, no "that isn't one of the options".
            self.ask(None if self.flagged else result.message)
        elif isinstance(step.answer, PickStep):
            self.set(step=result.value, reviewing=step.id, selection=())
            self.ask()
        else:
            self.record(step, result.value, result.media)
            self.after_answer(step, result.value)
            self.goto(flow.after(step, result.value))

    def after_answer(self, step: Step, value: Any) -> None:
        if step.said and isinstance(value, str) and value in step.said:
            self.emit_reply(Reply(self.render(step.said[value]), language=self.language))
        if step.send:
            reply = step.send(self.ctx())
            self.emit_reply(reply)

    def extra(self, step: Step) -> str | None:
        """Whether the message means Skip or Done rather than an answer."""
        inbound = self.inbound
        if inbound.choice_id in ("skip", "done"):
            return inbound.choice_id
        text = inbound.text or ""
        if step.optional and (commands.is_answer(text, "skip") or fold(text) == fold(_("Skip"))):
            return "skip"
        done = commands.is_answer(text, "done") or fold(text) == fold(_("Done"))
        if step.answer.multi and done:
            return "done"
        number = parse_whole_number(text) if step.answer.numbered else None
        if number is not None:
            choices = self.shown_choices(step)
            if 1 <= number <= len(choices) and choices[number - 1].id in ("skip", "done"):
                return choices[number - 1].id
        return None

    def shown_choices(self, step: Step) -> tuple[Choice, ...]:
        """The numbered choices the question shows, Skip included."""
        if not step.answer.numbered:
            return ()
        choices = step.answer.choices(self.ctx())
        return (*choices, Choice("skip", "skip")) if step.optional and choices else choices

    def record(self, step: Step, value: Any, media: tuple[Any, ...]) -> None:
        answers = dict(self.conv.answers)
        answers[step.id] = value
        answers.pop(f"{step.id}_media", None)
        if media:
            answers[f"{step.id}_media"] = [
                {"kind": m.kind, "ref": m.ref, "content_type": m.content_type} for m in media
            ]
        if step.stamp:
            answers[f"{step.id}_at"] = self.now.isoformat()
        if isinstance(step.answer, ChooseLanguage) and isinstance(value, str):
            self.language, self.language_known = value, True
            switch_language(value)
        self.set(answers=answers, trail=(*self.conv.trail, step.id), selection=())

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

    # -- starting, leaving and completing flows ------------------------------

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





