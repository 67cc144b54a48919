"""Summaries of a flow's answers, for checking before saving."""

from __future__ import annotations

from flows.answers import Choose, Option, PickStep
from flows.i18n import N_, _, number, translate
from flows.steps import END, Context, Exit, Step


def summary(ctx: Context, heading: str) -> str:
    """``heading`` then one line per labelled answer on the flow's path."""
    lines = [heading, ""]
    flow = ctx.flow
    if flow is None:
        return heading
    for step in flow.path(ctx.answers):
        if step.label is None:
            continue
        value = ctx.answers.get(step.id)
        files = len(ctx.answers.get(f"{step.id}_media") or ()) if step.id == flow.media else 0
        if value not in (None, "", []):
            shown = step.answer.show(value, ctx)
        else:
            shown = _("(in the photos and voice notes)") if files else _("(none)")
        lines.append(f"• {translate(step.label)}: {shown}")
        if files:
            lines.append(f"• {_('Photos and voice notes')}: {number(files)}")
    return "\n".join(lines)


def check_steps(heading: str) -> tuple[Step, Step]:
    """A summary to confirm (Save / Change an answer / Don't save), and "which answer?".

    ``heading`` is a message id (marked with N_) such as "Please check your activity:".
    """

    def confirm(ctx: Context) -> str:
        return summary(ctx, translate(heading)) + "\n\n" + _("Is this right?")

    return (
        Step("confirm", confirm,
             Choose((Option("save", N_("Save")), Option("change", N_("Change an answer")),
                     Option("cancel", N_("Don't save")))),
             next={"save": END, "change": "change",
                   "cancel": Exit(message=N_("OK, nothing was saved."))}),
        Step("change", N_("Which answer would you like to change?"), PickStep("confirm")),
    )
