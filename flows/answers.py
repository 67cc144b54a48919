"""Answer kinds: how each kind of question shows its choices and reads a reply.

Every ``parse`` returns a value, or an explanation (translated) of what was
wrong; the engine then asks the same question again and keeps every earlier
answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flows import commands, languages
from flows.i18n import N_, _, day, number, translate
from flows.steps import Answer, Context, Invalid, Parsed, Result, Selecting
from flows.text import ascii_digits, fold, has_letters, parse_whole_number
from flows.types import Choice, Inbound


@dataclass(frozen=True)
class Option:
    id: str
    label: str  # a message id, or a literal when ``translate`` is False
    translate: bool = True

    def shown(self) -> str:
        return translate(self.label) if self.translate else self.label


Options = Sequence[Option] | Callable[[Context], Sequence[Option]]


MIN_PART = 3  # shortest part of a label that may stand for it


def _nothing_sent() -> Invalid:
    return Invalid(_("I didn't receive an answer."))


def _part_of(wanted: str, label: str) -> bool:
    """Whether ``wanted`` is a run of whole words of ``label`` (or starts one)."""
    return re.search(rf"(?<!\w){re.escape(wanted)}", label) is not None


def either(numbers: Sequence[str]) -> str:
    """"1 or 3", "1, 3 or 4", in the current language."""
    if len(numbers) == 1:
        return numbers[0]
    return _("{some} or {last}", some=", ".join(numbers[:-1]), last=numbers[-1])


def out_of_range(high: int, many: bool = False) -> Invalid:
    """The numbers a list takes, from 1 to ``high`` ("Please send 1." when that is all);
    ``many``: a question that takes several, separated by commas."""
    if high == 1:
        return Invalid(_("Please send {number}.", number=number(1)))
    if many:
        return Invalid(_("Please send numbers from {low} to {high}, separated by commas.",
                         low=number(1), high=number(high)))
    return Invalid(_("Please send a number from {low} to {high}.", low=number(1),
                     high=number(high)))


class Choose(Answer):
    def __init__(self, options: Options) -> None:
        self._options = options

    def options(self, ctx: Context) -> Sequence[Option]:
        return self._options(ctx) if callable(self._options) else self._options

    def choices(self, ctx: Context) -> tuple[Choice, ...]:
        return tuple(Choice(o.id, o.shown()) for o in self.options(ctx))

    def option_ids(self) -> frozenset[str] | None:
        return None if callable(self._options) else frozenset(o.id for o in self._options)

    def match(self, text: str, ctx: Context) -> Option | None:
        found = self.candidates(text, ctx)
        return found[0] if len(found) == 1 else None

    def candidates(self, text: str, ctx: Context) -> list[Option]:
        """The options ``text`` may mean: by number, by the whole label, or else by any
        part of the label in the person's language (case and accents ignored)."""
        options = self.options(ctx)
        number = parse_whole_number(text)
        if number is not None:
            return [options[number - 1]] if 1 <= number <= len(options) else []
        wanted = fold(text)
        whole = [o for o in options if wanted in (fold(o.shown()), fold(o.label))]
        if whole or len(wanted) < MIN_PART:
            return whole[:1]
        return [o for o in options if _part_of(wanted, fold(o.shown()))]

    def parse(self, inbound: Inbound, ctx: Context) -> Result:
        if inbound.choice_id:
            for option in self.options(ctx):
                if option.id == inbound.choice_id:
                    return Parsed(option.id)
        if not (inbound.text or "").strip():
            return _nothing_sent()
        found = self.candidates(inbound.text or "", ctx)
        if len(found) == 1:
            return Parsed(found[0].id)
        return self.not_matched(inbound.text or "", found, ctx)

    def not_matched(self, text: str, found: Sequence[Option], ctx: Context) -> Invalid:
        """Which options a word could mean, or the range of numbers, or what to send."""
        options = list(self.options(ctx))
        if found:
            numbers = [number(options.index(o) + 1) for o in found]
            return Invalid(_("Did you mean {choices}?", choices=either(numbers)))
        if parse_whole_number(text) is not None:
            return out_of_range(len(options))
        return Invalid(
            _("Sorry, that isn't one of the options. Please send the number of your answer."))

    def show(self, value: Any, ctx: Context) -> str:
        for option in self.options(ctx):
            if option.id == value:
                return option.shown()
        return str(value)

    def problems(self) -> list[str]:
        if callable(self._options):
            return []
        found = []
        ids = [o.id for o in self._options]
        if len(set(ids)) != len(ids):
            found.append("option ids repeat")
        found.extend(
            f"option id {i!r} is too long for a button" for i in ids if len(i.encode()) > 32
        )
        if not ids:
            found.append("no options")
        return found


class ChooseMany(Choose):
    """Several options: typed as "1, 3", or toggled with buttons and then Done."""

    multi = True

    def __init__(self, options: Options, minimum: int = 1, toggle: bool = False,
                 initial: Callable[[Context], Sequence[str]] | None = None) -> None:
        super().__init__(options)
        self.minimum = minimum
        # toggle: typed numbers tick or untick, like buttons, until Done (e.g. changing
        # one's topics, shown with the current ones ticked by ``initial``).
        self.toggle = toggle
        self.initial = initial

    def initial_selection(self, ctx: Context) -> tuple[str, ...]:
        ids = {o.id for o in self.options(ctx)}
        return tuple(i for i in self.initial(ctx) if i in ids) if self.initial else ()

    def choices(self, ctx: Context) -> tuple[Choice, ...]:
        picked = set(ctx.selection)
        shown = tuple(Choice(o.id, o.shown(), o.id in picked) for o in self.options(ctx))
        return (*shown, Choice("done", _("Done")))

    def _finish(self, ids: Sequence[str], ctx: Context) -> Result:
        if len(ids) < self.minimum:
            return Invalid(_("Please choose at least one option."))
        order = [o.id for o in self.options(ctx)]
        return Parsed(sorted(set(ids), key=order.index))

    def parse(self, inbound: Inbound, ctx: Context) -> Result:
        ids = {o.id for o in self.options(ctx)}
        if inbound.choice_id == "done":
            return self._finish(ctx.selection, ctx)
        if inbound.choice_id in ids:
            picked = list(ctx.selection)
            if inbound.choice_id in picked:
                picked.remove(inbound.choice_id)
            else:
                picked.append(inbound.choice_id)
            return Selecting(tuple(picked))
        text = (inbound.text or "").strip()
        if not text:
            return _nothing_sent()
        if commands.is_answer(text, "done"):
            return self._finish(ctx.selection, ctx)
        chosen: list[str] = []
        for part in re.split(r"[,;،、\n]+", text):
            option = self.match(part, ctx) if part.strip() else None
            if option is None and part.strip():
                numbers = [self.match(p, ctx) for p in part.split()]
                count = len(self.options(ctx))
                if any(n is not None and not 1 <= n <= count
                       for n in map(parse_whole_number, part.split())):
                    return out_of_range(count, many=True)
                if not all(numbers):
                    return Invalid(
                        _(
                            "Sorry, I couldn't match all of that to the options. "
                            "Send the numbers you want, separated by commas, like 1, 3."
                        )
                    )
                chosen.extend(o.id for o in numbers if o)
            elif option:
                chosen.append(option.id)
        if self.toggle:
            picked = list(ctx.selection)
            for option_id in dict.fromkeys(chosen):
                picked.remove(option_id) if option_id in picked else picked.append(option_id)
            return Selecting(tuple(picked))
        return self._finish(chosen, ctx)

    def show(self, value: Any, ctx: Context) -> str:
        return ", ".join(Choose.show(self, v, ctx) for v in value or ())


class YesNo(Choose):
    def __init__(self, yes: str | None = None, no: str | None = None) -> None:
        super().__init__((Option("yes", yes or N_("Yes")), Option("no", no or N_("No"))))

    def candidates(self, text: str, ctx: Context) -> list[Option]:
        """"yes" and "no" (and the other words for them in the person's language) first."""
        if commands.is_answer(text, "yes"):
            return [self.options(ctx)[0]]
        if commands.is_answer(text, "no"):
            return [self.options(ctx)[1]]
        return super().candidates(text, ctx)


class ChooseLanguage(Choose):
    """The supported languages in their own scripts; the suggested one first."""

    def __init__(self) -> None:
        super().__init__(self._ordered)

    @staticmethod
    def _ordered(ctx: Context) -> list[Option]:
        suggested = ctx.suggested_language
        ordered = sorted(languages.LANGUAGES, key=lambda lang: lang.code != suggested)
        return [Option(lang.code, lang.native_name, translate=False) for lang in ordered]

    def candidates(self, text: str, ctx: Context) -> list[Option]:
        """"yes" to the suggested language; a language's code, English name or another
        common name for it too (عربي, bangla)."""
        if ctx.suggested_language and commands.is_answer(text, "yes"):
            return [self.options(ctx)[0]]
        wanted = fold(text)
        for lang in languages.LANGUAGES:
            if wanted in (lang.code, fold(lang.english_name), *map(fold, lang.also)):
                return [Option(lang.code, lang.native_name, translate=False)]
        return super().candidates(text, ctx)


class Text(Answer):
    numbered = False

    def __init__(self, max_length: int = 500, min_length: int = 1, letters: bool = False,
                 media: bool = False) -> None:
        self.max_length = max_length
        self.min_length = min_length
        self.letters = letters
        self.media = media

    def parse(self, inbound: Inbound, ctx: Context) -> Result:
        text = (inbound.text or "").strip()
        if self.media and inbound.media:
            return Parsed(text[: self.max_length], inbound.media)
        if inbound.truncated or len(text) > self.max_length:
            return Invalid(
                _("That is too long. Please keep it under {limit} characters.",
                  limit=self.max_length),
                despite_danger=True,
            )
        if not text:
            return Invalid(_("Please type your answer."))
        if len(text) < self.min_length:
            return Invalid(_("That is too short. Please write a little more."))
        if self.letters and not has_letters(text):
            return Invalid(_("Please use letters, not only numbers, emoji or symbols."))
        return Parsed(text)


class Number(Answer):
    numbered = False

    def __init__(self, minimum: int = 0, maximum: int = 10_000) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def parse(self, inbound: Inbound, ctx: Context) -> Result:
        text = (inbound.text or "").strip()
        if not text:
            return _nothing_sent()
        value = parse_whole_number(text)
        if value is None:
            return Invalid(_("Please send a number, like 25. A good guess is fine."))
        if not self.minimum <= value <= self.maximum:
            return Invalid(
                _("Please send a number from {low} to {high}.",
                  low=number(self.minimum), high=number(self.maximum))
            )
        return Parsed(value)


_DATE = re.compile(r"^(\d{1,4})\s*[/.\-\s]\s*(\d{1,2})(?:\s*[/.\-\s]\s*(\d{2,4}))?$")


def read_date(text: str, today: date) -> date | None:
    """A date typed as day/month[/year] (the order used in all our languages) or ISO."""
    match = _DATE.match(ascii_digits(text).strip())
    if not match:
        return None
    first, second, third = match.groups()
    try:
        if len(first) == 4:
            if third is None:
                return None
            return date(int(first), int(second), int(third))
        year = int(third) if third else today.year
        if third and len(third) == 2:
            year += 2000
        found = date(year, int(second), int(first))
        if not third and found > today:
            found = found.replace(year=year - 1)
        return found
    except ValueError:
        return None


class Day(Answer):
    """A date in the past: Today, Yesterday, or typed in the person's own way."""

    def __init__(self, max_days_back: int = 90) -> None:
        self.max_days_back = max_days_back

    def choices(self, ctx: Context) -> tuple[Choice, ...]:
        return (Choice("today", _("Today")), Choice("yesterday", _("Yesterday")))

    def option_ids(self) -> frozenset[str] | None:
        return frozenset({"today", "yesterday"})

    def parse(self, inbound: Inbound, ctx: Context) -> Result:
        text = (inbound.text or "").strip()
        shortcut = inbound.choice_id
        if not shortcut and text:
            for choice_id, label in (("today", _("Today")), ("yesterday", _("Yesterday"))):
                if fold(text) in (fold(label), choice_id):
                    shortcut = choice_id
            number_sent = parse_whole_number(text)
            if number_sent in (1, 2):
                shortcut = "today" if number_sent == 1 else "yesterday"
        if shortcut in ("today", "yesterday"):
            offset = 0 if shortcut == "today" else 1
            return Parsed((ctx.today - timedelta(days=offset)).isoformat())
        if not text:
            return _nothing_sent()
        found = read_date(text, ctx.today)
        if found is None:
            return Invalid(_("Sorry, I couldn't read that date. Please write it like 21/11/2026."))
        if found > ctx.today:
            return Invalid(
                _("That date is in the future. Please send a date from today or before."))
        if (ctx.today - found).days > self.max_days_back:
            return Invalid(
                _("Please send a date from the last {days} days.", days=self.max_days_back)
            )
        return Parsed(found.isoformat())

    def show(self, value: Any, ctx: Context) -> str:
        return day(date.fromisoformat(str(value)))


class Place(Answer):
    """A location shared from the phone."""

    def parse(self, inbound: Inbound, ctx: Context) -> Result:
        if inbound.location is None:
            return Invalid(
                _("Please share a location: use the attachment button and pick Location."))
        loc = inbound.location
        return Parsed({"latitude": loc.latitude, "longitude": loc.longitude, "label": loc.label})


class Attachment(Answer):
    """A photo or voice note."""

    def parse(self, inbound: Inbound, ctx: Context) -> Result:
        if not inbound.media:
            return Invalid(_("Please send a photo or a voice note."))
        return Parsed([{"kind": m.kind, "ref": m.ref} for m in inbound.media], inbound.media)


class PickStep(Choose):
    """From a summary: which labelled answer to change. The engine goes there, then back."""

    def __init__(self, back_to: str) -> None:
        self.back_to = back_to
        super().__init__(self._labelled)

    @staticmethod
    def _labelled(ctx: Context) -> list[Option]:
        flow = ctx.flow
        steps = flow.path(ctx.answers) if flow else []
        return [Option(step.id, step.label) for step in steps if step.label]

    def targets(self) -> list[str]:
        return [self.back_to]
