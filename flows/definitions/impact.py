"""My impact: activities, people reached and time given, by period and topic, with milestones."""

from __future__ import annotations

from collections.abc import Mapping

from flows.definitions.options import OTHER_TOPIC, TOPICS
from flows.i18n import N_, _, number, translate
from flows.steps import Context, Flow
from flows.views import ImpactView, Totals

MILESTONES: Mapping[str, str] = {
    "first_activity": N_("Your first activity logged"),
    "activities_10": N_("10 activities"),
    "activities_50": N_("50 activities"),
    "people_100": N_("100 people reached"),
    "people_500": N_("500 people reached"),
    "people_1000": N_("1,000 people reached"),
    "hours_10": N_("10 hours given"),
    "hours_50": N_("50 hours given"),
}
_TOPIC = {option.id: option.label for option in (*TOPICS, OTHER_TOPIC)}


def _block(label: str, totals: Totals) -> str:
    # Labels and numbers, not sentences: right for 1 and for 1,000 in every language.
    return label + "\n" + _("Activities: {activities} · People reached: {people} · "
                            "Hours given: {hours}", activities=number(totals.activities),
                            people=number(totals.people),
                            hours=number(round(totals.minutes / 60, 1)))


def _impact(ctx: Context) -> str:
    view: ImpactView = ctx.view("impact")
    if not view.total.activities:
        return _("You haven't logged any activities yet. Choose \"Log an activity\" in the menu "
                 "after your next conversation, talk or stall.")
    lines = [_("Your impact"), "",
             _block(_("This month"), view.month), "", _block(_("This year"), view.year), "",
             _block(_("In total"), view.total)]
    if view.by_topic:
        lines += ["", _("By topic:")]
        lines += ["• " + _("{topic} – activities: {activities}, people reached: {people}",
                           topic=translate(_TOPIC.get(topic, topic)),
                           activities=number(activities), people=number(people))
                  for topic, activities, people in view.by_topic]
    if view.milestones:
        lines += ["", _("Milestones:")]
        lines += [f"🏅 {translate(MILESTONES[m])}" for m in view.milestones if m in MILESTONES]
    lines += ["", _("Thank you for everything you do.")]
    return "\n".join(lines)


IMPACT = Flow(id="impact", steps=(), done=_impact)
