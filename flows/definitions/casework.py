"""The partner's and the coordinator's side in chat: lists of escalations, one opened with
its actions, and the short questions some actions need (a note, a service, a status)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flows.answers import Choose, Option, Text, YesNo
from flows.casework import CaseActions
from flows.definitions.concern import AFFECTS, CATEGORIES, URGENCY
from flows.i18n import N_, _, day, translate
from flows.steps import END, Context, Exit, Flow, Step
from flows.views import CaseView, PartnerChoice

# Said for a champion whose contact details a case may not show: they asked to stay
# anonymous, or (a concern kept from a danger message) they were never asked. Alerts and
# emails say the same (bot/services/casenotes.py).
ANONYMOUS_IN_CHAT = N_("The champion asked to stay anonymous; reply through champbot.")
UNASKED = N_("Kept from an urgent message: the champion was not asked about being "
             "contacted.")
# Said for a champion erased since (the dashboard says the same): nothing can reach them.
FORGOTTEN = N_("The champion asked to be forgotten: they can no longer be written to.")

STATUS_LABELS: Mapping[str, str] = {
    "new": N_("New"),
    "acknowledged": N_("Acknowledged"),
    "in_progress": N_("In progress"),
    "resolved": N_("Resolved"),
    "not_for_us": N_("Not for us"),
    "closed": N_("Closed"),
}
_CATEGORY = {o.id: o.label for o in CATEGORIES}
_URGENCY = {o.id: o.label for o in URGENCY}
_AFFECTS = {o.id: o.label for o in AFFECTS}
_BACK = (Option("list", N_("Back to the list")), Option("menu", N_("Main menu")))


def _cases(ctx: Context, view: str) -> tuple[CaseView, ...]:
    cases: tuple[CaseView, ...] = ctx.view(view)
    return cases


def _chosen(ctx: Context, view: str) -> CaseView | None:
    """The line chosen: one escalation ("C-1042/7"; a plain reference, kept by an older
    version's conversation, is its first line)."""
    pick = ctx.answers.get("pick")
    cases = _cases(ctx, view)
    return (next((c for c in cases if c.line == pick), None)
            or next((c for c in cases if c.reference == pick), None))


def describe(case: CaseView, ctx: Context) -> str:
    lines = [
        f"{case.reference} · {translate(_CATEGORY.get(case.category, case.category))} · "
        f"{case.area or _('area not given')}",
        _("Urgency: {urgency}. Affects: {affects}.",
          urgency=translate(_URGENCY.get(case.urgency, case.urgency)),
          affects=translate(_AFFECTS[case.affects]) if case.affects in _AFFECTS else "-"),
        f"“{case.words}”" if case.words else _("(no words kept)"),
        _("Contact: {contact}.", contact=case.contact) if case.contact
        else translate(FORGOTTEN if case.forgotten
                       else ANONYMOUS_IN_CHAT if case.asked else UNASKED),
        _("Raised on {date}. Now: {status}.",
          date=day(case.raised_at.astimezone(ctx.facts.timezone).date()),
          status=translate(STATUS_LABELS.get(case.status, case.status))),
    ]
    if case.partner:
        lines.append(_("With: {partner}", partner=case.partner))
    return "\n".join(lines)


def _list_flow(flow_id: str, view: str, heading: str, empty: str) -> Flow:
    def options(ctx: Context) -> Sequence[Option]:
        # A concern with several services has a line for each: the coordinator's lines
        # name the service, so no two read the same (a partner sees only their own).
        return [Option(c.line, " · ".join([
                    c.reference, translate(_CATEGORY.get(c.category, c.category)),
                    c.area or "-", translate(STATUS_LABELS.get(c.status, c.status)),
                    *([c.partner] if c.partner and ctx.role != "partner" else [])]),
                    translate=False)
                for c in _cases(ctx, view)]

    def none(ctx: Context) -> bool:
        return not _cases(ctx, view)

    def detail(ctx: Context) -> str:
        case = _chosen(ctx, view)
        return describe(case, ctx) if case else _("That concern is no longer in the list.")

    def actions(ctx: Context) -> Sequence[Option]:
        case = _chosen(ctx, view)
        shown: list[Option] = []
        if case is not None:
            ref = case.line  # the words act on this line's escalation
            if ctx.role == "partner":
                shown = [Option(f"ACK {ref}", N_("Acknowledge")),
                         Option(f"PROGRESS {ref}", N_("In progress")),
                         Option(f"DONE {ref}", N_("Resolved")),
                         Option(f"NOTUS {ref}", N_("Not for us"))]
            else:
                shown = [Option(f"ROUTE {ref}", N_("Route it to a partner")),
                         Option(f"STATUS {ref}", N_("Change its status"))]
                if not case.forgotten:  # nobody to write to
                    shown.append(Option(f"NOTE {ref}", N_("Send a note to the champion")))
        return [*shown, *_BACK]

    def done(ctx: Context) -> str:
        return translate(empty) if none(ctx) else ""

    return Flow(
        id=flow_id,
        steps=(
            Step("pick", heading, Choose(options), skip_if=none),
            Step("detail", detail, CaseActions(actions), skip_if=none,
                 next={"list": "pick", "menu": END, "*": END}),
        ),
        done=done,
    )


CASES = _list_flow("cases", "cases", N_("New and open concerns for your service. Choose one:"),
                   N_("Nothing is waiting for your service at the moment."))
ROUTING = _list_flow("routing", "routing", N_("Concerns needing routing. Choose one:"),
                     N_("No concern is waiting to be routed."))
OPEN_CASES = _list_flow("open_cases", "open_cases",
                        N_("Open concerns, oldest first. Choose one:"),
                        N_("No concern is open at the moment."))


def _note_prompt(ctx: Context) -> str:
    action = ctx.answers.get("_action")
    reference = str(ctx.answers.get("_reference"))
    if action == "done":
        return _("{reference}: please write a short note for the champion: what was done?",
                 reference=reference)
    if action == "notus":
        return _("{reference}: please say why it is not for your service. The coordinators "
                 "will read it.", reference=reference)
    return _("{reference}: write your note to the champion.", reference=reference)


CASE_NOTE = Flow(id="case_note", steps=(
    Step("note", _note_prompt, Text(max_length=1000, min_length=2)),),
    completed="escalation_acted")


def _partner_options(ctx: Context) -> Sequence[Option]:
    chosen: tuple[PartnerChoice, ...] = ctx.view("partners")
    return [Option(p.id, p.name, translate=False) for p in chosen]


CASE_ROUTE = Flow(id="case_route", steps=(
    Step("partner", N_("Which partner service should take it?"), Choose(_partner_options)),),
    completed="escalation_acted")

_STATUSES = (Option("ack", N_("Acknowledged")), Option("progress", N_("In progress")),
             Option("done", N_("Resolved")), Option("close", N_("Closed")))

CASE_STATUS = Flow(id="case_status", steps=(
    Step("status", N_("What is its status now?"), Choose(_STATUSES),
         next={"ack": END, "progress": END, "done": "note", "close": "note"}),
    Step("note", N_("Please write a short note for the champion."),
         Text(max_length=1000, min_length=2)),
), completed="escalation_acted")

CASE_SAID = Flow(id="case_said", steps=(
    Step("confirm", N_("Send “You said, we did” to the champions of this area, with what the "
                       "service did?"), YesNo(N_("Yes, send it"), N_("No")),
         next={"yes": END, "no": Exit(message=N_("OK, nothing was sent."))}),
), completed="escalation_acted")
