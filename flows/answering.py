"""Answering the current question: Skip and Done, typed numbers, buttons from an earlier
question, and recording what was answered. A mixin of the engine's run, like
``flows.navigation``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flows import commands
from flows.answers import (
    Attachment,
    Choose,
    ChooseLanguage,
    PickStep,
    Place,
    Text,
    out_of_range,
)
from flows.danger import USE_HELD, USE_HELD_LABEL
from flows.i18n import _, number, switch_language, translate
from flows.navigation import GIVEN, RESUME
from flows.run_parts import RunParts
from flows.steps import Answer, Flow, Invalid, Parsed, Selecting, Step, Target
from flows.text import fold, parse_whole_number
from flows.types import MAX_KEPT_MEDIA, Choice, Media, Reply

# A slash and one word: what a command looks like (known ones never reach answering).
UNKNOWN_SLASH = re.compile(r"/\w+(@\w+)?")
# The flow a photo, voice note or file sent at the menu starts, with that file in it.
FILES_FLOW = "concern"


def means_use_held(text: str) -> bool:
    """Whether ``text`` is the "Use what I wrote" choice typed: in the person's language
    or in English."""
    return fold(text) in {fold(translate(USE_HELD_LABEL)), fold(USE_HELD_LABEL)}


class Answering(RunParts):
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
        # A photo sent at another question of a flow that keeps them (WhatsApp sends each
        # photo on its own): kept, and any words with it answer the question as usual.
        kept = self.keep_media(flow, step)
        if kept and not (self.inbound.text or "").strip() and not self.inbound.choice_id:
            self.ask()
            return
        if flow.id == "menu" and self.concern_from_media():
            return
        # A file at a question that takes none: never "I didn't receive an answer" or "that
        # isn't one of the options"; any words with it still answer.
        refused = self.refuse_media(step)
        if refused and not (self.inbound.text or "").strip() and not self.inbound.choice_id:
            self.ask()
            return
        if (self.inbound.location is not None and not (self.inbound.text or "").strip()
                and not self.inbound.choice_id and not isinstance(step.answer, Place)):
            self.ask(self.location_not_taken())
            return
        extra = self.extra(step)
        if extra == USE_HELD:
            # The words held at this question (they may mean danger), used after all.
            held = self.held_for(self.held) or ""
            self.held = None
            self.inbound = replace(self.inbound, text=held, choice_id=None, media=())
            extra = None
        if extra is None and not self.inbound.choice_id and means_use_held(
                self.inbound.text or ""):
            # The choice's words with nothing held (any other message drops what was
            # held): never taken as the answer itself.
            self.ask(_("What you wrote before is no longer kept. Please write your answer "
                       "again."))
            return
        if extra == "done" and step.optional and not self.conv.selection:
            extra = "skip"  # Done with nothing ticked at an optional question: skipped
        if extra == "skip" and step.optional:
            self.record(step, None, ())
            self.goto(flow.after(step, None))
            return
        inbound = replace(self.inbound, choice_id="done") if extra == "done" else self.inbound
        shown = self.shown_choices(step) if isinstance(step.answer, Choose) else ()
        typed = parse_whole_number(inbound.text or "") if shown and not inbound.choice_id else None
        if typed is not None and not 1 <= typed <= len(shown) and not (
                self.flagged or kept or refused):
            self.ask(out_of_range(len(shown)).message)
            return
        typed_text = (inbound.text or "").strip()
        if not inbound.choice_id and UNKNOWN_SLASH.fullmatch(typed_text):
            # "/foo" is a command mistyped, not a note or a name: never taken as the answer.
            self.ask(_("{command} is not one of the words champbot knows. Send {help} to see "
                       "them.", command=typed_text, help=commands.first_word("help")))
            return
        result = step.answer.parse(inbound, self.ctx())
        if (isinstance(result, Parsed | Selecting) and self.may_hold()
                and not (step.answer.numbered and step.answer.choices(self.ctx()))
                and not isinstance(step.answer, PickStep)):
            # Typed words that may mean someone is in danger are not taken as a note, a
            # name, a broadcast...: the question is asked again (see Danger.hold).
            self.hold(flow.id, step.id, typed_text)
            self.ask()
            return
        if isinstance(result, Selecting):
            self.set(selection=result.selection)
            self.ask()
        elif isinstance(result, Invalid):
            # After the emergency message, no "that isn't one of the options"; nor after
            # keeping a photo whose caption was not an answer. But words too long to take
            # are said to be, danger or not: else the question comes again with no reason.
            quiet = kept or refused or (self.flagged and not result.despite_danger)
            self.ask(None if quiet else result.message)
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
        held = self.held_for(self.held) is not None
        if inbound.choice_id in ("skip", "done") or (held and inbound.choice_id == USE_HELD):
            return inbound.choice_id
        text = inbound.text or ""
        if held and not inbound.choice_id and means_use_held(text):
            return USE_HELD
        if step.optional and (commands.is_answer(text, "skip") or fold(text) == fold(_("Skip"))):
            return "skip"
        done = commands.is_answer(text, "done") or fold(text) == fold(_("Done"))
        if step.answer.multi and done:
            return "done"
        number = parse_whole_number(text) if step.answer.numbered else None
        if number is not None:
            choices = self.shown_choices(step)
            if 1 <= number <= len(choices) and choices[number - 1].id in (
                    "skip", "done", USE_HELD):
                return choices[number - 1].id
        return None

    def shown_choices(self, step: Step) -> tuple[Choice, ...]:
        """The numbered choices the question shows, Skip included."""
        if not step.answer.numbered:
            return ()
        choices = step.answer.choices(self.ctx())
        if step.optional and choices:
            choices = (*choices, Choice("skip", "skip"))
        if self.held_for(self.held) is not None:
            choices = (*choices, Choice(USE_HELD, USE_HELD))
        return choices

    def record(self, step: Step, value: Any, media: tuple[Media, ...]) -> None:
        answers = dict(self.conv.answers)
        answers[step.id] = value
        flow = self.flow
        # The flow's media step adds to what it keeps (changing the words loses no photo).
        kept = (self.with_media(step.id, media) if flow and step.id == flow.media
                else _stored(media))
        answers.pop(f"{step.id}_media", None)
        if kept:
            answers[f"{step.id}_media"] = kept
        if step.stamp:
            answers[f"{step.id}_at"] = self.now.isoformat()
        if isinstance(step.answer, ChooseLanguage) and isinstance(value, str):
            self.language, self.language_known = value, True
            switch_language(value)
        self.set(answers=answers, trail=(*self.conv.trail, step.id), selection=())

    def keep_media(self, flow: Flow, step: Step) -> bool:
        """Keep the message's photos and voice notes with the flow's media step, when the
        flow keeps them and this question does not take them itself; True if it did."""
        media = self.inbound.media
        if not media or flow.media is None or step.id == flow.media:
            return False
        if GIVEN in self.conv.answers:
            # The files that started the concern still wait for its media step: with them.
            before = len(_given(self.conv.answers)["media"])
            count = self.give(media)
        else:
            before = len(self.conv.answers.get(f"{flow.media}_media") or ())
            kept = self.with_media(flow.media, media)
            self.set(answers={**self.conv.answers, f"{flow.media}_media": kept})
            count = len(kept)
        self.inbound = replace(self.inbound, media=())
        if count > before:
            self.note(_("Added to your concern. Photos and voice notes so far: {count}.",
                        count=number(count)))
        return True

    def concern_from_media(self) -> bool:
        """A photo, voice note or file sent where no question takes one (at the menu, or when
        no flow is open): a champion's concern starts with it, the words with it (if any)
        as the concern's words, so only the other questions are asked. False (nothing done)
        for anyone whose menu does not offer a concern."""
        media = self.inbound.media
        if not media or not self.may_share_files():
            return False
        self.give(media, (self.inbound.text or "").strip())
        self.inbound = replace(self.inbound, text=None)
        self.note(_("Photos and voice notes go with a community concern, so I have started "
                    "one with yours. Please answer a few questions about it. If you did not "
                    "mean to share a concern, send {cancel}.",
                    cancel=commands.first_word("cancel")))
        self.start(FILES_FLOW)
        return True

    def give(self, media: tuple[Media, ...], words: str = "") -> int:
        """Keep ``media`` and ``words`` for the concern they start (``GIVEN``, carried into
        it); how many files it now holds."""
        given = _given(self.conv.answers)
        files = self.with_room(list(given["media"]), _stored(media))
        text = "\n\n".join(t for t in (given["text"], words[:MAX_GIVEN_WORDS]) if t)
        self.set(answers={**self.conv.answers, GIVEN: {"text": text, "media": files}})
        self.inbound = replace(self.inbound, media=())
        return len(files)

    def use_given(self, flow: Flow, step: Step) -> Target | None:
        """Reaching ``step``: the files sent at the menu (``GIVEN``) go with the flow's media
        step. Reaching that step, they answer it (with the words sent with them), unless it
        is skipped; once it was answered (a concern carried on), they are added to it. Where
        to go instead of ``step``, or None to go on to it as usual."""
        if flow.media is None:
            return None
        reached = step.id == flow.media
        if not reached and flow.media not in self.conv.answers:
            return None  # still ahead
        given = _given(self.conv.answers)
        answers = {k: v for k, v in self.conv.answers.items() if k != GIVEN}
        before = len(answers.get(f"{flow.media}_media") or ())
        self.set(answers=answers)
        kept = self.with_room(list(answers.get(f"{flow.media}_media") or ()),
                              list(given["media"]))
        self.set(answers={**answers, f"{flow.media}_media": kept})
        words = given["text"]
        if reached and not (step.skip_if and step.skip_if(self.ctx())):
            self.record(step, words, ())
            return flow.after(step, words)
        if not reached and words:
            earlier = self.conv.answers.get(flow.media)
            self.set(answers={**self.conv.answers,
                              flow.media: f"{earlier}\n\n{words}" if earlier else words})
        if len(kept) > before:
            self.note(_("Added to your concern. Photos and voice notes so far: {count}.",
                        count=number(len(kept))))
        return None

    def refuse_media(self, step: Step) -> bool:
        """Files at a question that takes none, in a flow that keeps none: said so (they can
        go with a concern) and set aside; True if there were any."""
        if not self.inbound.media or _takes_media(step.answer):
            return False
        self.inbound = replace(self.inbound, media=())
        self.note(self.files_not_taken())
        return True

    def may_share_files(self) -> bool:
        """Whether this person's menu offers a concern, which files go with."""
        profile = self.facts.profile
        return (profile is not None and profile.status == "active"
                and FILES_FLOW in self.flows and self.offered(FILES_FLOW))

    def files_not_taken(self) -> str:
        if self.may_share_files():
            return _("This question needs an answer: a photo, voice note or file can't answer "
                     "it. Photos and voice notes can go with a concern: choose “{concern}” "
                     "from the menu.", concern=_("Share a community concern"))
        return _("This question needs an answer: a photo, voice note or file can't answer it.")

    def location_not_taken(self) -> str:
        return _("Sorry, we can't use a shared location. Please write the place in words "
                 "instead, such as the street or a landmark.")

    def with_media(self, step_id: str, media: tuple[Media, ...]) -> list[dict[str, Any]]:
        """The media kept with ``step_id`` and then ``media``, up to the most one keeps."""
        return self.with_room(list(self.conv.answers.get(f"{step_id}_media") or ()),
                              _stored(media))

    def with_room(self, kept: list[dict[str, Any]], new: list[dict[str, Any]]
                  ) -> list[dict[str, Any]]:
        """``kept`` and then as much of ``new`` as a concern keeps, saying when some was not
        added."""
        room = max(MAX_KEPT_MEDIA - len(kept), 0)
        if len(new) > room:
            self.note(_("A concern can keep up to {limit} photos and voice notes, so this one "
                        "was not added.", limit=number(MAX_KEPT_MEDIA)))
        return kept + new[:room]


MAX_GIVEN_WORDS = 2000  # as many as a concern's own words


def _given(answers: Mapping[str, Any]) -> dict[str, Any]:
    """What ``GIVEN`` holds, read safely: {"text": str, "media": [stored files]}."""
    given = answers.get(GIVEN)
    given = given if isinstance(given, dict) else {}
    media = given.get("media")
    return {"text": str(given.get("text") or ""),
            "media": [m for m in media if isinstance(m, dict)] if isinstance(media, list)
            else []}


def _takes_media(answer: Answer) -> bool:
    return isinstance(answer, Attachment) or (isinstance(answer, Text) and answer.media)


def _stored(media: tuple[Media, ...]) -> list[dict[str, Any]]:
    return [m.to_dict() for m in media]
