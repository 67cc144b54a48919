"""Share a community concern: what, in their words, how many, where, how urgent, contact."""

from __future__ import annotations

from flows.answers import Choose, Option, Text, YesNo
from flows.danger import WORDS
from flows.definitions.options import ChooseArea, no_areas
from flows.i18n import N_
from flows.review import check_steps
from flows.safety import emergency_numbers
from flows.steps import END, Context, Flow, Start, Step

CATEGORIES: tuple[Option, ...] = (
    Option("gp_access", N_("Getting a GP appointment")),
    Option("hospital", N_("Hospital and outpatient care")),
    Option("mental_health", N_("Mental health")),
    Option("housing", N_("Housing and damp")),
    Option("cost_of_living", N_("Cost of living and food")),
    Option("language", N_("Language and interpreters")),
    Option("digital", N_("Digital exclusion (no internet, phone or online skills)")),
    Option("transport", N_("Transport")),
    Option("vaccine_worries", N_("Vaccine worries and misinformation")),
    Option("discrimination", N_("Discrimination")),
    Option("safeguarding", N_("Safeguarding (someone may be at risk of harm)")),
    Option("other", N_("Something else")),
)

AFFECTS: tuple[Option, ...] = (
    Option("one", N_("One person")),
    Option("few", N_("A few people")),
    Option("many", N_("Many people in the community")),
)

URGENCY: tuple[Option, ...] = (
    Option("at_risk", N_("Someone may be at risk now")),
    Option("soon", N_("It needs action soon")),
    Option("feedback", N_("General feedback")),
)


def _danger_is_the_description(ctx: Context) -> bool:
    """The words that raised a red flag are this concern's own words (written at "What is
    happening?", or before the flow and added to: see ``AFTER_DANGER``): it is the urgent
    record already kept and alerted, so it stays urgent, with no need to ask. Danger words
    sent at any other question are a concern of their own: this one is asked about."""
    description = ctx.answers.get("description")
    return isinstance(description, str) and bool(description) and (
        description == ctx.answers.get("_red_flag_text")
        or description in (ctx.answers.get(WORDS) or ()))


def _words_already_given(ctx: Context) -> bool:
    """Chosen after the emergency message: the words that raised it are the description."""
    return "_red_flag_text" in ctx.answers


def _those_words(ctx: Context) -> str:
    return str(ctx.answers["_red_flag_text"])


def _at_risk(ctx: Context) -> str:
    # Nothing is kept yet: saving the concern (next) is what keeps it, marked urgent.
    return emergency_numbers(ctx.facts.emergency)


CONCERN = Flow(
    id="concern",
    title=N_("sharing a concern"),
    steps=(
        Step("category", N_("What is the concern about?"), Choose(CATEGORIES),
             label=N_("About")),
        Step("description",
             N_("What is happening? Please tell us in your own words. You can also send a "
                "photo or a voice note. Please don't write people's names."),
             Text(max_length=2000, min_length=3, media=True), label=N_("In your words"),
             skip_if=_words_already_given, skipped=_those_words),
        Step("affects", N_("How many people does it affect?"), Choose(AFFECTS),
             label=N_("Affects")),
        Step("area", N_("Where is this happening?"), ChooseArea(mine_first=True),
             skip_if=no_areas, label=N_("Area")),
        Step("urgency", N_("How urgent is it?"), Choose(URGENCY),
             skip_if=_danger_is_the_description, skipped="at_risk", said={"at_risk": _at_risk},
             label=N_("Urgency")),
        # Not "anonymous": coordinators always see who raised a concern.
        Step("contact",
             N_("May the partner service contact you about this?\n"
                "Yes: we may give the service your name and how to reach you, so they can "
                "ask you about it.\n"
                "No: the service gets the concern without your name or contact details. "
                "Your coordinator still sees that it came from you."),
             YesNo(N_("Yes, they may contact me"), N_("No, don't pass on my details")),
             label=N_("May contact you")),
        *check_steps(N_("Please check your concern:")),
    ),
    completed="concern_raised",
    media="description",  # a photo sent at a later question is kept with the concern too
)

# Offered after the emergency message when what was written was not an answer to the
# question: no "that isn't one of the options", but a way on.
AFTER_DANGER = Flow(
    id="after_danger",
    steps=(
        Step("next", N_("Would you like to add details to this as a concern, so a coordinator "
                        "can act on it, or go back to what you were doing?"),
             Choose((Option("concern", N_("Add details as a concern")),
                     Option("back", N_("Go back")))),
             next={"concern": Start("concern"), "back": END}),
    ),
    then=None,
)
