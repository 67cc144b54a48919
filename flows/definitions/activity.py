"""Log an activity: what, topic, when, where, how many people, time, a note; then check."""

from __future__ import annotations

from flows.answers import Choose, Day, Number, Option, Text
from flows.definitions.options import OTHER_TOPIC, TOPICS, ChooseArea, no_areas
from flows.i18n import N_
from flows.review import check_steps
from flows.steps import Flow, Step

KINDS: tuple[Option, ...] = (
    Option("one_to_one", N_("One-to-one conversations")),
    Option("group", N_("A group talk or session")),
    Option("stall", N_("A stall at an event")),
    Option("online", N_("Shared information online or in groups")),
    Option("accompanied", N_("Went with someone to a service")),
    Option("walk", N_("A health walk or exercise group")),
    Option("promoted", N_("Promoted vaccination or screening")),
    Option("other", N_("Something else")),
)

VENUES: tuple[Option, ...] = (
    Option("faith", N_("A place of worship")),
    Option("community_centre", N_("A community centre")),
    Option("school", N_("A school or nursery")),
    Option("home", N_("Someone's home")),
    Option("online", N_("Online")),
    Option("workplace", N_("A workplace")),
    Option("health", N_("A health setting (GP, pharmacy, hospital)")),
    Option("other", N_("Somewhere else")),
)

# Time given, in the few sizes people remember; the service stores minutes.
TIME_GIVEN: tuple[Option, ...] = (
    Option("under_1h", N_("Less than an hour")),
    Option("1_2h", N_("1 to 2 hours")),
    Option("half_day", N_("Half a day")),
    Option("full_day", N_("A whole day")),
)
MINUTES = {"under_1h": 30, "1_2h": 90, "half_day": 240, "full_day": 480}


ACTIVITY = Flow(
    id="activity",
    title=N_("logging an activity"),
    steps=(
        Step("what", N_("What did you do?"), Choose(KINDS), label=N_("What"),
             next={"other": "what_other", "*": "topic"}),
        Step("what_other", N_("Please describe it in a few words."),
             Text(max_length=100, letters=True), label=N_("Described as")),
        Step("topic", N_("What was it about?"), Choose((*TOPICS, OTHER_TOPIC)),
             label=N_("Topic")),
        Step("when", N_("When was it? Choose, or type a date like 21/11/2026."),
             Day(max_days_back=90), label=N_("When")),
        Step("area", N_("Where was it?"), ChooseArea(mine_first=True), skip_if=no_areas,
             label=N_("Area")),
        Step("venue", N_("What kind of place was it?"), Choose(VENUES), label=N_("Place")),
        Step("reached", N_("About how many people did you reach? A good guess is fine."),
             Number(0, 10_000), label=N_("People reached")),
        Step("time", N_("How much of your time did it take?"), Choose(TIME_GIVEN),
             optional=True, label=N_("Time given")),
        Step("note", N_("Anything else to add? Please don't write anyone's name or their "
                        "health details."),
             Text(max_length=1000), optional=True, label=N_("Note")),
        *check_steps(N_("Please check your activity:")),
    ),
    completed="activity_logged",
)
