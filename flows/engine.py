"""The conversation engine: one inbound message in; replies, events and the new state out.

``resume`` is pure: it reads the saved conversation, the inbound message, the
time and a snapshot of facts, and returns what to say and what happened. It
never stores or sends anything; the host applies the events and writes the
replies in one transaction.

The run is put together from mixins, one idea each: ``flows.answering`` (the current
question), ``flows.transitions`` (moving on; starting, leaving and completing flows),
``flows.navigation``, ``flows.danger`` and ``flows.casework``; what they share (the run's
state and calls) is declared once in ``flows.run_parts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flows import invites, languages
from flows.answering import Answering
from flows.casework import CaseWords
from flows.conversation import Conversation, Facts
from flows.danger import ASKED, HELD, PRIVATE, USE_HELD, USE_HELD_LABEL, Danger
from flows.i18n import _, language, translate
from flows.navigation import RESUME, Navigation
from flows.steps import Context, Flow, Prompt, Step
from flows.transitions import Transitions
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


def ask_again(
    conversation: Conversation,
    now: datetime,
    note: str,
    facts: Facts | None = None,
    flows: Mapping[str, Flow] | None = None,
) -> Turn:
    """``note``, then the current question asked again, nothing answered: after a
    message that answered something else (the question under a broadcast) while the
    person was in the middle of a flow."""
    if flows is None:
        from flows.registry import FLOWS

        flows = FLOWS
    nothing = Inbound("", "", "", now)
    run = _Run(conversation, nothing, now, facts or Facts(), flows)
    with language(run.language):
        try:
            run.note(note)
            run.ask()
        except NeedView as need:
            return Turn((), conversation, frozenset({need.name}))
        return Turn(tuple(run.output), run.finish())


class _Run(Answering, Transitions, Navigation, Danger, CaseWords):
    def __init__(
        self, conv: Conversation, inbound: Inbound, now: datetime, facts: Facts,
        flows: Mapping[str, Flow],
    ) -> None:
        self.conv, self.inbound, self.now, self.facts, self.flows = conv, inbound, now, facts, flows
        self.output: list[Output] = []
        self.notes: list[str] = []  # said with the next question, as one message
        self.flagged: str | None = None
        # Words held at the question when this message came (see Danger.hold): this
        # message may take them as the answer after all.
        self.held: Any = conv.answers.get(HELD)
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
        if self.held_for(self.conv.answers.get(HELD)) is not None:
            choices = (*choices, Choice(USE_HELD, translate(USE_HELD_LABEL)))
        self.say(
            f"{prefix}\n\n{text}" if prefix else text,
            choices,
            multi=step.answer.multi,
            numbered=step.answer.numbered,
            question=f"{flow.id}.{step.id}",
        )

    # -- one message ---------------------------------------------------------

    def handle(self) -> None:
        if HELD in self.conv.answers:  # good for this message only
            self.set(answers={k: v for k, v in self.conv.answers.items() if k != HELD})
        command = self.command()
        flagged = command is None and self.check_for_danger()
        resuming = command is not None and command.name == "start"
        private = (command.name in PRIVATE if command else not flagged and (
            self.conv.flow in PRIVATE and not self.conv.idle(self.now, self.facts.idle_timeout)))
        if self.paused and not resuming and not private:
            # STOP means "send me nothing unasked", never "ignore me when I write": HELP
            # and MENU are always answered, anything else reminded once a day; their own
            # data they may see and erase, paused or not (PRIVATE, below).
            if not flagged:
                self.remind_paused(asked=command is not None and command.name in ASKED)
            return
        if flagged and not self.conv.idle(self.now, self.facts.idle_timeout) and (
                self.offer_after_danger()):
            if self.inbound.media:  # sent with those words: kept for a concern made of them
                self.give(self.inbound.media)
            return
        if self.conv.flow and self.conv.idle(self.now, self.facts.idle_timeout):
            self.conv = replace(self.conv.cleared(), language=self.conv.language)
            self.note(_("Welcome back! It has been a while, so we are starting again."))
            if command is None:
                # ACK C-1042 still acts after a long pause, and a photo starts a concern.
                if not self.case_word() and not self.concern_from_media():
                    self.start_default()
                return
        profile = self.facts.profile
        if profile and profile.status == "paused" and not private:
            # Only START gets here (see above), or their own data (PRIVATE).
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
        elif self.code_when_joined():
            self.ask()  # the question they were at, or the menu
        elif self.case_word():
            pass  # a partner or coordinator acted on an escalation (ACK C-1042...)
        elif self.conv.flow is None:
            if not self.joined:
                self.first_contact()
            elif not self.concern_from_media():  # a photo with no question open: a concern
                self.start("menu")
        else:
            self.answer()
