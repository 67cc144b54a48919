"""Words that act on an escalation from anywhere (``ACK C-1042``, ``DONE C-1042 note``):
typed on a text channel or carried by a button, so an old button still means what it said.

A mixin of the engine's run, like ``flows.navigation``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flows.answers import Choose
from flows.conversation import FORMER_PARTNER
from flows.run_parts import RunParts
from flows.steps import Parsed
from flows.views import target

# "STATUS C-1042/7": the reference, and (on the choices of a list, where a concern with
# several services has a line for each) which of its escalations the line was.
WORD = re.compile(r"^\s*(ACK|PROGRESS|DONE|NOTUS|ROUTE|STATUS|NOTE|SAID)\s+C-?(\d{1,9})"
                  r"(?:/(\d{1,9}))?\b[\s:.,-]*(.*)$", re.IGNORECASE | re.DOTALL)
PARTNER_WORDS = {"ack": "ack", "progress": "progress", "done": "done", "notus": "notus"}
COORDINATOR_WORDS = {**PARTNER_WORDS, "route": "route", "status": "status", "note": "note",
                     "said": "said"}
# Words that may carry their note with them ("DONE C-1042 the GP called her").
NOTED = ("done", "notus", "note")
# Words that need more before they can act, and the flow that asks for it.
ASKS = {"done": "case_note", "notus": "case_note", "note": "case_note", "route": "case_route",
        "status": "case_status", "said": "case_said"}


@dataclass(frozen=True)
class Word:
    action: str
    reference: str
    note: str | None
    escalation: int | None = None  # the line's own escalation, when it named one

    @property
    def target(self) -> str:
        """What the host acts on: "C-1042", or "C-1042/7" for one of its escalations."""
        return target(self.reference, self.escalation)


def parse(text: str | None) -> Word | None:
    match = WORD.match(text or "")
    if match is None:
        return None
    note = match.group(4).strip() or None
    escalation = int(match.group(3)) if match.group(3) else None
    return Word(match.group(1).lower(), f"C-{int(match.group(2))}", note, escalation)


class CaseActions(Choose):
    """The actions on one escalation, as choices whose ids are the words themselves."""


class CaseWords(RunParts):
    def case_word(self) -> bool:
        """Act on a case word from a partner or coordinator; False if there is none."""
        profile = self.facts.profile
        if profile is None or profile.status != "active":
            return False
        # A former partner's words still reach the host, which refuses them (and audits the
        # attempt): better than reading "ACK C-1042" as an answer to the menu.
        words = {"partner": PARTNER_WORDS, FORMER_PARTNER: PARTNER_WORDS,
                 "coordinator": COORDINATOR_WORDS}.get(profile.role)
        if not words:
            return False
        word = parse(self.inbound.choice_id) or parse(self.inbound.text)
        step = self.step
        if word is None and step is not None and isinstance(step.answer, CaseActions):
            result = step.answer.parse(self.inbound, self.ctx())
            if isinstance(result, Parsed) and isinstance(result.value, str):
                word = parse(result.value)
        if word is None or word.action not in words:
            return False
        data: dict[str, Any] = {"_reference": word.reference, "_action": word.action,
                                "_target": word.target}
        note = word.note
        held = None
        if note and word.action in NOTED and self.may_hold():
            # "DONE C-1042 <words that may mean danger>": not taken as the note; the note is
            # asked for, with a way to use those words after all (see Danger.hold).
            held, note = note, None
        if word.action in ASKS and not (note and word.action in NOTED):
            # What can be refused already is, before a note or a confirmation is asked for.
            refusal = self.ctx().view(refusal_view(word))
            if refusal:
                self.note(str(refusal))
                self.start("menu")
                return True
            self.set(flow=ASKS[word.action], step=None, answers=data, trail=(), selection=(),
                     reviewing=None)
            if held:
                self.hold(ASKS[word.action], first_step(self, ASKS[word.action]), held)
            self.goto(first_step(self, ASKS[word.action]))
            return True
        self.emit("escalation_acted", {**data, "_note": note})
        self.start("menu")
        return True


REFUSAL_VIEW = "case_refusal"


def refusal_view(word: Word) -> str:
    """The view saying why ``word`` would be refused now ("" if it would not), such as
    ``case_refusal:said:C-1003`` (or ``…:C-1003/7`` for one of its escalations)."""
    return f"{REFUSAL_VIEW}:{word.action}:{word.target}"


def first_step(run: Any, flow_id: str) -> str:
    return str(run.flows[flow_id].steps[0].id)
