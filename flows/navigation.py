"""Moving around a conversation: global words, help, back, detours, carrying on later.

A mixin of the engine's run (``flows.engine``), kept apart so each module holds one idea.
"""

from __future__ import annotations

from dataclasses import replace

from flows import commands, invites
from flows.answers import Choose
from flows.commands import Command
from flows.conversation import Conversation, Saved
from flows.i18n import N_, _, translate
from flows.run_parts import RunParts
from flows.steps import Flow, Start
from flows.text import fold, parse_whole_number
from flows.types import Choice

RESUME = "resume"  # the built-in question: carry on with a set-aside flow, or start again
# Photos, voice notes and files sent where no question takes them (at the menu), with the
# words sent with them: {"text": ..., "media": [...]}. Kept for the concern they start, and
# given to its media step (see Answering.give and Answering.use_given).
GIVEN = "_given"
# Who an invite code is for, said to someone who joined in another role (code_when_joined).
CODE_FOR = {"champion": N_("This code is for joining as a community health champion."),
            "coordinator": N_("This code is for joining as a coordinator."),
            "partner": N_("This code is for joining as a partner service's contact.")}


class Navigation(RunParts):
    def command(self) -> Command | None:
        choice = self.inbound.choice_id
        if choice and choice.startswith("/"):
            return Command(choice[1:])
        return commands.detect(self.inbound.text)

    def first_contact(self) -> None:
        """Someone we don't know yet: welcome them, or take the code they sent."""
        invite = self.facts.invite
        flow = self.flows["joining"]
        self.set(flow=flow.id, step=None, answers={}, trail=())
        if flow.intro:
            self.note(self.render(flow.intro))
        first = flow.steps[0]
        code_sent = invite is not None and (invite.role is not None or self.explicit_code)
        if code_sent and not self.facts.open_registration:
            self.set(step=first.id)
            self.answer()
        else:
            self.goto(first.id)

    def code_when_joined(self) -> bool:
        """Someone who has joined sent an invite code ("JOIN K7M4Q9TX", a /start link):
        say they have joined already and, for a code made for another role, that a code
        does not change theirs. One of ours, usable or not, is taken so anywhere; another
        only where it answers nothing (at the menu: at a question, "join meeting" may be
        an answer). Whether it was taken so."""
        invite, profile = self.facts.invite, self.facts.profile
        if (profile is None or not self.explicit_code or invite is None
                or invite.code != invites.extract_code(self.inbound.text)
                or (invite.made_for is None and self.conv.flow not in (None, "menu"))):
            return False
        said = _("You have already joined {programme}.", programme=self.facts.programme_name)
        if invite.made_for != profile.role and invite.made_for in CODE_FOR:
            said += " " + translate(CODE_FOR[invite.made_for]) + " " + _(
                "A code can't change the role you joined with: if yours should change, "
                "please talk to a coordinator.")
        self.note(said)
        return True

    def run_command(self, command: Command) -> None:
        name = command.name
        if name == "start" and command.argument and not self.joined:
            self.inbound = replace(self.inbound, text=command.argument, choice_id=None)
            if self.conv.flow != "joining" or self.conv.step != "code":
                self.first_contact()
            else:
                self.answer()
        elif name in ("start", "menu") and not self.joined:
            if name == "menu":
                self.note(_("You will see the menu once you have joined."))
            self.ask()
        elif name in ("start", "menu"):
            if name == "start" and command.argument:
                self.code_when_joined()  # a Telegram invite link opened by a member
            self.set_aside()
            self.start("menu")
        elif name == "help":
            self.note(self.help_text())
            self.ask()
        elif name == "back":
            self.back()
        elif name == "language":
            self.detour("language")
        elif name in commands.SHORTCUTS and commands.SHORTCUTS[name] in self.flows:
            self.shortcut(commands.SHORTCUTS[name], name)
        elif name == "forget" and self.joined:
            self.set_aside()
            self.start("forget")
        elif name == "stop" and not self.joined:
            self.emit("joining_cancelled")
            self.conv = Conversation()
            # The host keeps one thing: a note not to message this address again.
            self.note(_("OK, we won't message you again. We have kept nothing about you except "
                        "a note not to message you. Send {start} if you change your mind.",
                        start=commands.first_word("start")))
        elif name in ("cancel", "forget") and not self.joined:
            self.emit("joining_cancelled")
            self.conv = Conversation()
            self.note(_("OK, I have stopped. Nothing about you has been kept. "
                       "If you want to join later, just send your invite code."))
        elif name == "cancel":
            drafts = {k: v for k, v in self.conv.drafts.items() if k != self.conv.flow}
            self.set(drafts=drafts)
            self.note(self.unsaved(_("OK, cancelled. Nothing from that was saved.")))
            self.start("menu")
        elif name == "stop":
            self.emit("messages_paused")
            # Pausing is not giving up: a half-finished flow is offered back after START.
            self.set_aside()
            self.conv = replace(self.conv.cleared(), drafts=self.conv.drafts)
            self.note(
                _("Messages are paused: we won't send you anything until you send {start}. "
                  "Your details are kept.", start=commands.first_word("start"))
            )

    def shortcut(self, flow_id: str, name: str) -> None:
        """A slash command that opens a flow (/log, /settings…) from anywhere: only one the
        person's menu offers (the words everyone has, such as /mydata, always work)."""
        if not self.joined and flow_id == "mydata":
            # Honestly: no details yet, only what it takes to answer them and to join.
            self.note(_("You haven't joined, so we hold no details about you: only this "
                        "chat's number or address, so that we can answer you, and any answers "
                        "you have given while joining. Send {cancel} to have them deleted.",
                        cancel=commands.first_word("cancel")))
            self.ask()
        elif not self.joined:
            self.note(_("You will see the menu once you have joined."))
            self.ask()
        elif name not in commands.GLOBAL and not self.offered(flow_id):
            refusal = self.flows[flow_id].refusal
            self.note(translate(refusal) if refusal else _(
                "Sorry, /{command} is not in your menu. Here is what you can do:",
                command=name))
            self.set_aside()
            self.start("menu")
        elif self.conv.flow != flow_id:
            self.set_aside()
            self.start(flow_id)
        else:
            self.ask()

    def offered(self, flow_id: str) -> bool:
        """Whether this person's main menu offers ``flow_id`` (whatever flows there are:
        without a menu, everything is)."""
        menu = self.flows.get("menu")
        if menu is None:
            return True
        ctx = self.ctx()
        for step in menu.steps:
            if isinstance(step.answer, Choose):
                for option in step.answer.options(ctx):
                    target = menu.after(step, option.id)
                    if isinstance(target, Start) and target.flow == flow_id:
                        return True
        return False

    def help_text(self) -> str:
        flow, step = self.flow, self.step
        specific = (step.help if step else None) or (flow.help if flow else None)
        general = commands.summary()
        return f"{translate(specific)}\n\n{general}" if specific else general

    def back(self) -> None:
        trail = self.conv.trail
        if self.flow is None or not trail or self.conv.step == RESUME:
            if self.joined and self.conv.flow != "menu":
                self.start("menu")
            else:
                self.ask()
            return
        self.set(step=trail[-1], trail=trail[:-1], selection=(), reviewing=None)
        self.ask()

    def detour(self, flow_id: str) -> None:
        """Run a short flow (such as choosing a language), then come back here."""
        step = self.conv.step
        if self.conv.flow and step and self.conv.flow != flow_id:
            self.set(detour=Saved(self.conv.flow, step, dict(self.conv.answers), self.conv.trail))
        self.start(flow_id)

    def set_aside(self) -> None:
        """Keep a half-finished flow to offer back later ("carry on or start again?")."""
        flow = self.flow
        if flow and flow.title and self.conv.answers and self.conv.step not in (None, RESUME):
            saved = Saved(flow.id, self.conv.step or "", dict(self.conv.answers), self.conv.trail)
            self.set(drafts={**self.conv.drafts, flow.id: saved})
        self.set(flow=None, step=None, answers={}, trail=(), selection=(), reviewing=None)

    def ask_resume(self, flow: Flow, prefix: str | None) -> None:
        text = _("You were {task} earlier. Would you like to carry on where you left off, "
                 "or start again?", task=translate(flow.title or flow.id))
        self.say(
            f"{prefix}\n\n{text}" if prefix else text,
            (Choice("carry_on", _("Carry on")), Choice("start_again", _("Start again"))),
            question=f"{flow.id}.{RESUME}",
        )

    def answer_resume(self, flow: Flow) -> None:
        inbound = self.inbound
        if inbound.media and not inbound.choice_id:
            if flow.media:
                # A file for the concern set aside: it goes with it, carried on or started
                # again (and the words with it too).
                self.give(inbound.media, (inbound.text or "").strip())
                self.note(_("Kept: it will go with your concern, whether you carry on or "
                            "start again."))
            else:
                self.note(self.files_not_taken())
            self.ask()
            return
        text = fold(inbound.text or "")
        number = parse_whole_number(inbound.text or "")
        if inbound.choice_id == "carry_on" or number == 1 or text == fold(_("Carry on")):
            saved = self.conv.drafts[flow.id]
            drafts = {k: v for k, v in self.conv.drafts.items() if k != flow.id}
            given = self.conv.answers.get(GIVEN) if flow.media else None
            answers = {**saved.answers, GIVEN: given} if given else dict(saved.answers)
            self.set(step=saved.step, answers=answers, trail=saved.trail, drafts=drafts)
            if given:  # the file sent meanwhile goes with the concern now (see use_given)
                self.goto(saved.step)
            else:
                self.ask()
        elif inbound.choice_id == "start_again" or number == 2 or text == fold(_("Start again")):
            self.set(drafts={k: v for k, v in self.conv.drafts.items() if k != flow.id})
            self.start(flow.id)
        elif inbound.location is not None and not text:
            self.ask(self.location_not_taken())
        else:
            self.ask(
                _("Sorry, that isn't one of the options. Please send the number of your answer.")
            )
