"""Summaries of a flow's answers, for checking before saving."""

from __future__ import annotations

from flows.i18n import _, translate
from flows.steps import Context


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
        shown = _("(none)") if value in (None, "", []) else step.answer.show(value, ctx)
        lines.append(f"• {translate(step.label)}: {shown}")
    return "\n".join(lines)
