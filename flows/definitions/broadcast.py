"""A coordinator writes a broadcast in chat: the message, its translations, the audience,
the time; they see how many people per language and channel will get it, and which of
the audience's languages still lack a translation, before they confirm."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flows import commands, languages
from flows.answers import Choose, Option, Text, YesNo
from flows.definitions.info import _library as library_items
from flows.definitions.info import _topics as library_topics
from flows.i18n import N_, _, number, translate
from flows.steps import (
    END,
    Answer,
    Context,
    Exit,
    Flow,
    Invalid,
    Parsed,
    Result,
    Selecting,
    Step,
)
from flows.text import fold
from flows.types import Choice, Inbound
from flows.views import AudienceCount, BroadcastReportView, LibraryItem

PICK = "pick:"  # a language chosen, its text not yet sent


def _counts(ctx: Context, area: str | None = None) -> tuple[AudienceCount, ...]:
    """How many people per language and channel, in the audience chosen (or ``area``)."""
    found: tuple[AudienceCount, ...] = ctx.view("broadcast_audience")
    area = area or ctx.answers.get("audience")
    return tuple(c for c in found if area in (None, "all") or c.area == area)


def _reach(ctx: Context, area: str | None = None) -> int:
    return sum(c.count for c in _counts(ctx, area))


class Audience(Choose):
    """Who should receive it; an audience with no one in it is refused (the broadcast
    would go to nobody, and say it was sent)."""

    def parse(self, inbound: Inbound, ctx: Context) -> Result:
        found = super().parse(inbound, ctx)
        if isinstance(found, Parsed) and not _reach(ctx, str(found.value)):
            return Invalid(_("Nobody there can receive a broadcast yet. Please choose "
                             "another audience."))
        return found


def _item(ctx: Context) -> LibraryItem | None:
    slug = ctx.answers.get("message") if ctx.answers.get("source") == "library" else None
    return next((item for item in library_items(ctx) if item.slug == slug), None) if slug \
        else None


def _texts(ctx: Context) -> dict[str, str]:
    """The texts so far, by language: the message itself and the translations added."""
    item = _item(ctx)
    texts = dict(item.bodies) if item else {ctx.facts.default_language: ctx.answers["text"]}
    return {**texts, **_added(ctx)}


def _added(ctx: Context) -> dict[str, str]:
    """The translations added in this flow, by language."""
    pairs = (entry.partition("\t") for entry in ctx.selection if not entry.startswith(PICK))
    return {code: text for code, _tab, text in pairs}


def _missing(ctx: Context) -> list[str]:
    have = _texts(ctx)
    wanted = {c.language for c in _counts(ctx)}
    return [code for code in languages.CODES if code in wanted and code not in have]


def _pending(ctx: Context) -> str | None:
    last = ctx.selection[-1] if ctx.selection else ""
    return last.removeprefix(PICK) if last.startswith(PICK) else None


def _name(code: str) -> str:
    return languages.get(code).native_name


def _overview(ctx: Context) -> str:
    pending = _pending(ctx)
    if pending:
        return _("Send the text in {language}.", language=_name(pending))
    lines = [_("People it will go to: {count}", count=number(_reach(ctx)))]
    per: dict[tuple[str, str], int] = {}
    for c in _counts(ctx):
        per[(c.language, c.channel)] = per.get((c.language, c.channel), 0) + c.count
    lines += [f"• {_name(code)} – {channel}: {n}" for (code, channel), n in sorted(per.items())]
    missing = _missing(ctx)
    if missing:
        lines.append(_("No translation yet for: {languages}. Those people get the {default} "
                       "text with a note.", languages=", ".join(_name(c) for c in missing),
                       default=_name(ctx.facts.default_language)))
        lines.append(_("Choose a language to add a translation, or continue."))
    return "\n".join(lines)


class Translations(Answer):
    """Translations added one by one: a language button, then its text; Continue to go on."""

    def choices(self, ctx: Context) -> tuple[Choice, ...]:
        if _pending(ctx):
            return ()
        shown = [Choice(code, _name(code)) for code in _missing(ctx)]
        return (*shown, Choice("done", _("Continue")))

    def parse(self, inbound: Inbound, ctx: Context) -> Result:
        text = (inbound.text or "").strip()
        pending = _pending(ctx)
        if pending:
            if not 3 <= len(text) <= 1000:
                return Invalid(_("Please send the text (3 to 1,000 characters)."))
            return Selecting((*ctx.selection[:-1], f"{pending}\t{text}"))
        chosen = inbound.choice_id or self._numbered(text, ctx) or self._named(text, ctx)
        if chosen == "done" or commands.is_answer(text, "done"):
            return Parsed(_added(ctx))
        code = chosen
        if code in _missing(ctx):
            return Selecting((*ctx.selection, PICK + code))
        return Invalid(_("Please choose a language from the list, or continue."))

    def _named(self, text: str, ctx: Context) -> str | None:
        typed = fold(text)
        for choice in self.choices(ctx):
            if typed in (fold(choice.label), choice.id):
                return choice.id
        found = next((lang.code for lang in languages.LANGUAGES
                      if typed in (fold(lang.english_name), fold(lang.native_name))), None)
        return found

    def _numbered(self, text: str, ctx: Context) -> str | None:
        choices = self.choices(ctx)
        if text.isdigit() and 1 <= int(text) <= len(choices):
            return choices[int(text) - 1].id
        return None


class Moment(Answer):
    """A date and time like 2026-12-01 09:30, in the programme's time zone, in the future."""

    numbered = False

    def parse(self, inbound: Inbound, ctx: Context) -> Result:
        try:
            local = datetime.strptime((inbound.text or "").strip(), "%Y-%m-%d %H:%M")
        except ValueError:
            return Invalid(_("Please write the date and time like 2026-12-01 09:30."))
        moment = local.replace(tzinfo=ctx.facts.timezone)
        if moment <= ctx.now:
            return Invalid(_("That time has passed. Please choose a later one."))
        return Parsed(moment.isoformat())


def _messages(ctx: Context) -> Sequence[Option]:
    return [Option(item.slug, item.title(ctx.language), translate=False)
            for item in library_items(ctx) if item.topic == ctx.answers.get("topic")]


def _audiences(ctx: Context) -> Sequence[Option]:
    return [Option("all", N_("All champions")),
            *(Option(area.id, area.name, translate=False) for area in ctx.facts.areas)]


def _write(ctx: Context) -> str:
    return _("Write the message in {language}. You can add translations next.",
             language=_name(ctx.facts.default_language))


def _confirm(ctx: Context) -> str:
    count = number(_reach(ctx))
    when = ctx.answers.get("time")
    if when:
        at = datetime.fromisoformat(str(when)).astimezone(ctx.facts.timezone)
        return _("Send it on {day} at {time}? People it will go to: {count}", count=count,
                 day=at.strftime("%Y-%m-%d"), time=at.strftime("%H:%M"))
    return _("Send it now? People it will go to: {count}", count=count)


def _done(ctx: Context) -> str:
    return _("Your broadcast is queued. It starts within a minute, or at the time you chose "
             "(quiet hours hold it until morning).")


COLUMNS: dict[str, str] = {
    "queued": N_("waiting"), "sent": N_("sent"), "delivered": N_("delivered"),
    "read": N_("read"), "failed": N_("failed"), "waiting_for_template": N_("template sent"),
    "unknown": N_("unknown"), "cancelled": N_("cancelled"),
}


def _report(ctx: Context) -> str:
    found: BroadcastReportView | None = ctx.view("broadcast_report")
    if found is None:
        return _("No broadcast has been sent yet.")
    lines = [_("Your last broadcast. People it went to: {count}",
               count=number(found.recipients))]
    if found.late:
        lines.append(_("It went late: champbot was not running at its time."))
    for code, counts in sorted(found.by_language.items()):
        shown = ", ".join(f"{translate(label)} {counts[key]}" for key, label in COLUMNS.items()
                          if counts.get(key))
        answers = found.feedback.get(code, {})
        said = (f" · {translate(N_('Useful'))} {answers.get('useful', 0)}, "
                f"{translate(N_('Not clear'))} {answers.get('unclear', 0)}") if answers else ""
        lines.append(f"• {_name(code)}: {shown}{said}")
    return "\n".join(lines)


WHEN: tuple[Option, ...] = (Option("now", N_("Now")), Option("later", N_("At a time I choose")))

BROADCAST = Flow(
    id="broadcast",
    title=N_("writing a broadcast"),
    roles=("coordinator",),
    refusal=N_("Sorry, only coordinators can send broadcasts."),
    steps=(
        Step("source", N_("What would you like to send?"),
             Choose((Option("library", N_("A message from the health library")),
                     Option("new", N_("A new message")),
                     Option("report", N_("How did my last broadcast go?")))),
             next={"library": "topic", "new": "text", "report": "report"}),
        Step("report", _report, Choose((Option("menu", N_("Main menu")),)), next={"*": Exit()}),
        Step("topic", N_("Which topic?"), Choose(library_topics)),
        Step("message", N_("Which message?"), Choose(_messages), next="audience"),
        Step("text", _write, Text(max_length=1000, min_length=3)),
        Step("audience", N_("Who should receive it?"), Audience(_audiences)),
        Step("translations", _overview, Translations()),
        Step("when", N_("When should it go?"), Choose(WHEN),
             next={"now": "confirm", "later": "time"}),
        Step("time", N_("When? Write the date and time, like 2026-12-01 09:30."), Moment()),
        Step("confirm", _confirm, YesNo(N_("Yes, send it"), N_("No, don't send it")),
             next={"yes": END, "no": Exit(message=N_("OK, nothing was sent."))}),
    ),
    completed="broadcast_confirmed",
    done=_done,
)
