"""Danger and pauses: what the engine does when a message may mean someone is in danger,
and how a paused person is heard. A mixin of the engine's run, like ``flows.navigation``.
"""

from __future__ import annotations

from flows import commands, safety
from flows.i18n import _
from flows.navigation import RESUME
from flows.run_parts import RunParts
from flows.steps import Invalid
from flows.types import Reply

# Flows that take a red-flag message in their stride (the concern flow keeps it itself).
CALM_FLOWS = ("concern", "after_danger")
CARRIED = ("_red_flag", "_red_flag_text")  # into a flow started from one that saw danger


class Danger(RunParts):
    @property
    def paused(self) -> bool:
        profile = self.facts.profile
        return self.facts.paused or (profile is not None and profile.status == "paused")

    def check_for_danger(self) -> bool:
        """Red flags are answered at once, before anything else, whatever the flow."""
        flag = safety.scan(self.inbound.text)
        if flag is None:
            return False
        told = bool(self.ctx().view("coordinators"))
        self.output.append(Reply(
            safety.emergency_message(self.facts.emergency, self.joined, told, flag.category),
            language=self.language))
        self.emit("red_flag_detected", {
            "category": flag.category, "text": (self.inbound.text or "")[:2000],
            "flow": self.conv.flow, "step": self.conv.step})
        if self.conv.flow:
            self.set(answers={**self.conv.answers, "_red_flag": flag.category})
        self.flagged = flag.category
        return True

    def offer_after_danger(self) -> bool:
        """After the emergency message, a way on rather than "that isn't one of the options":
        add details as a concern, or go back. Only when the words were not an answer."""
        profile = self.facts.profile
        if profile is None or profile.status != "active" or self.conv.flow in CALM_FLOWS:
            return False
        step = self.step
        if step is not None and self.conv.step != RESUME and not isinstance(
                step.answer.parse(self.inbound, self.ctx()), Invalid):
            return False
        self.detour("after_danger")
        self.set(answers={"_red_flag": self.flagged,
                          "_red_flag_text": (self.inbound.text or "")[:2000]})
        return True

    def remind_paused(self) -> None:
        """One short word on how to resume, at most once a day."""
        day = self.ctx().today.isoformat()
        if self.conv.reminded_on == day:
            return
        self.set(reminded_on=day)
        self.note(_("Your messages are paused. Send {start} to switch them on again.",
                    start=commands.first_word("start")))

    def unsaved(self, usual: str) -> str:
        """"Nothing was saved", unless words that raised a red flag were kept for safety."""
        if self.joined and "_red_flag" in self.conv.answers:
            return _("OK, your answers were not saved. What you wrote about someone in danger "
                     "is kept as an urgent concern, so a coordinator can follow it up. You can "
                     "see it under \"My concerns\".")
        return usual
