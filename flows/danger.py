"""Danger and pauses: what the engine does when a message may mean someone is in danger,
and how a paused person is heard. A mixin of the engine's run, like ``flows.navigation``.
"""

from __future__ import annotations

from typing import Any

from flows import commands, safety
from flows.conversation import FORMER_PARTNER
from flows.i18n import N_, _, translate
from flows.navigation import RESUME
from flows.run_parts import RunParts
from flows.steps import Invalid
from flows.types import MAX_KEPT_MEDIA, Reply

# Flows that take a red-flag message in their stride (the concern flow keeps it itself).
CALM_FLOWS = ("concern", "after_danger")
CARRIED = ("_red_flag", "_red_flag_text")  # into a flow started from one that saw danger
# In a flow, every message that raised a red flag, as kept (``safety.kept_words``): each is
# an urgent concern of its own. A concern whose description is one of them is that urgent
# record; any other keeps the urgency the champion gives it (``definitions.concern``).
WORDS = "_red_flag_words"
# Coordinators and partner services' contacts (and those of a former partner): what they
# write is their work (a note on a case, a broadcast about heart attacks), not a report
# from the community.
STAFF = ("coordinator", "partner", FORMER_PARTNER)
# Staff were shown the numbers in this flow: once a flow is enough (see check_for_danger).
STAFF_SHOWN = "_numbers_shown"
# Words that may mean danger, typed where an answer was expected, are held rather than
# taken: {"flow", "step", "text"}, good for the next message only.
HELD = "_held"
USE_HELD = "use_held"  # the choice that takes the held words as the answer after all
USE_HELD_LABEL = N_("Use what I wrote")
# The words a paused person is always answered (with how to resume), not only once a day.
ASKED = ("help", "menu")
# What a paused person may still do, and go through to the end: see and erase their own
# data (the flows of the same names). Their data is theirs, paused or not.
PRIVATE = ("mydata", "forget")


class Danger(RunParts):
    @property
    def paused(self) -> bool:
        profile = self.facts.profile
        return self.facts.paused or (profile is not None and profile.status == "paused")

    @property
    def staff(self) -> bool:
        profile = self.facts.profile
        return profile is not None and profile.role in STAFF

    def check_for_danger(self) -> bool:
        """Red flags are answered at once, before anything else, whatever the flow."""
        flag = safety.scan(self.inbound.text)
        if flag is None:
            return False
        if self.staff:
            if self.conv.flow and self.conv.answers.get(STAFF_SHOWN):
                # Shown once in this flow already: a broadcast about heart attack signs and
                # each of its translations is work, not a new emergency at every text.
                return False
            self.flagged = flag.category
            # Where to get help, like anyone; but no urgent concern "from" them, no alert
            # to the other coordinators, and no claim that anything was kept.
            self.output.append(Reply(safety.emergency_numbers(self.facts.emergency,
                                                              flag.category),
                                     language=self.language))
            if self.conv.flow:
                self.set(answers={**self.conv.answers, STAFF_SHOWN: True})
            return True
        self.flagged = flag.category
        reach = self.ctx().view("coordinators")  # safety.TOLD, AWAY or NONE
        self.output.append(Reply(
            safety.emergency_message(self.facts.emergency, self.joined, reach == safety.TOLD,
                                     flag.category, away=reach == safety.AWAY),
            language=self.language))
        # Every word of it: danger words at the end of a long message are not cut off.
        words = safety.kept_words(self.inbound.text)
        self.emit("red_flag_detected", {
            "category": flag.category, "text": words,
            "flow": self.conv.flow, "step": self.conv.step,
            # A photo or voice note sent with the words goes with the record kept of them,
            # whatever the person does next.
            "media": [m.to_dict() for m in self.inbound.media[:MAX_KEPT_MEDIA]]})
        if self.conv.flow:
            seen = [w for w in self.conv.answers.get(WORDS) or () if w != words]
            self.set(answers={**self.conv.answers, "_red_flag": flag.category,
                              WORDS: [*seen, words]})
        return True

    def offer_after_danger(self) -> bool:
        """After the emergency message, a way on rather than "that isn't one of the options":
        add details as a concern, or go back. Only for a champion, and only when the words
        were not an answer (words that were one are held: see ``hold``)."""
        profile = self.facts.profile
        if (profile is None or profile.status != "active" or self.staff
                or self.conv.flow in CALM_FLOWS):
            return False
        step = self.step
        if step is not None and self.conv.step != RESUME and not isinstance(
                step.answer.parse(self.inbound, self.ctx()), Invalid):
            return False
        self.detour("after_danger")
        self.set(answers={"_red_flag": self.flagged,
                          "_red_flag_text": safety.kept_words(self.inbound.text)})
        return True

    def may_hold(self) -> bool:
        """Whether this message's words, typed as an answer, are held rather than taken:
        they may mean someone is in danger, and outside the concern flow (which keeps
        them as the concern) they are not used as a note, a name, a broadcast..."""
        return (self.flagged is not None and not self.inbound.choice_id
                and self.conv.flow not in CALM_FLOWS)

    def hold(self, flow_id: str, step_id: str, text: str) -> None:
        """Not taken as the answer to ``flow_id.step_id``: the question stays open and is
        asked again (by the caller), with a way to use the words after all."""
        self.set(answers={**self.conv.answers,
                          HELD: {"flow": flow_id, "step": step_id, "text": text}})
        self.note(_("That was not taken as your answer, because it may mean someone is in "
                    "danger. If it was your answer, choose “{use}”. Otherwise, please answer "
                    "again.", use=translate(USE_HELD_LABEL)))

    def held_for(self, held: Any) -> str | None:
        """The words ``held`` (a value of ``HELD``) for the current question, if any."""
        if (isinstance(held, dict) and held.get("flow") == self.conv.flow
                and held.get("step") == self.conv.step and isinstance(held.get("text"), str)):
            return str(held["text"])
        return None

    def remind_paused(self, asked: bool = False) -> None:
        """One short word on how to resume: at most once a day, unless ``asked`` (HELP or
        MENU, which a paused person is always answered)."""
        day = self.ctx().today.isoformat()
        if self.conv.reminded_on == day and not asked:
            return
        self.set(reminded_on=day)
        self.note(_("Your messages are paused. Send {start} to switch them on again.",
                    start=commands.first_word("start")))

    def unsaved(self, usual: str) -> str:
        """"Nothing was saved", unless words that raised a red flag were kept for safety."""
        if self.joined and "_red_flag" in self.conv.answers:
            if not self.offered("concerns"):  # only champions have "My concerns"
                return _("OK, your answers were not saved. What you wrote about someone in "
                         "danger is kept as an urgent concern, so a coordinator can follow "
                         "it up.")
            return _("OK, your answers were not saved. What you wrote about someone in danger "
                     "is kept as an urgent concern, so a coordinator can follow it up. You can "
                     "see it under \"My concerns\".")
        return usual
