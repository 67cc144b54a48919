"""My concerns: each concern a champion raised, what became of it, and its history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flows.answers import Choose, Option
from flows.definitions.concern import CATEGORIES
from flows.i18n import N_, _, day, translate
from flows.steps import END, Context, Flow, Step
from flows.views import ConcernView

STATUSES: Mapping[str, str] = {
    "received": N_("Received"),
    "passed_on": N_("Passed to a partner service"),
    "acknowledged": N_("Acknowledged by the service"),
    "in_progress": N_("In progress"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed without action"),
    "returned": N_("Back with a coordinator, to find the right service"),
}
_CATEGORY = {option.id: option.label for option in CATEGORIES}


def _concerns(ctx: Context) -> tuple[ConcernView, ...]:
    concerns: tuple[ConcernView, ...] = ctx.view("concerns")
    return concerns


def _status(code: str) -> str:
    return translate(STATUSES.get(code, code))


def _options(ctx: Context) -> Sequence[Option]:
    return [Option(c.reference,
                   f"{c.reference} · {translate(_CATEGORY.get(c.category, c.category))} · "
                   f"{_status(c.status)}", translate=False)
            for c in _concerns(ctx)]


def _none_yet(ctx: Context) -> bool:
    return not _concerns(ctx)


def _detail(ctx: Context) -> str:
    chosen = next(c for c in _concerns(ctx) if c.reference == ctx.answers.get("pick"))
    zone = ctx.facts.timezone
    lines = [
        f"{chosen.reference} · {translate(_CATEGORY.get(chosen.category, chosen.category))}",
        _("Raised on {date}. Now: {status}.", date=day(chosen.raised_at.astimezone(zone).date()),
          status=_status(chosen.status)),
        "",
        _("What has happened:"),
    ]
    for step in chosen.history:
        # "by the service" only when the service took it (a coordinator may, for them)
        status = (translate(N_("Acknowledged")) if step.status == "acknowledged"
                  and step.by not in (None, "partner") else _status(step.status))
        line = f"• {day(step.at.astimezone(zone).date())}: {status}"
        lines.append(f"{line} – “{step.note}”" if step.note else line)
    return "\n".join(lines)


def _done(ctx: Context) -> str:
    if _concerns(ctx):
        return ""
    return _("You haven't shared any concerns yet. Choose \"Share a community concern\" in the "
             "menu to tell us about one.")


MY_CONCERNS = Flow(
    id="concerns",
    steps=(
        Step("pick", N_("Your concerns. Choose one to see what has happened:"), Choose(_options),
             skip_if=_none_yet),
        Step("detail", _detail,
             Choose((Option("list", N_("Back to my concerns")), Option("menu", N_("Main menu")))),
             skip_if=_none_yet, next={"list": "pick", "menu": END}),
    ),
    done=_done,
)
