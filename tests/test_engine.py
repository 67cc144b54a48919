"""The pure engine: no database, no channel, a fixed clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from flows import engine
from flows.answers import Attachment, Choose, ChooseMany, Day, Number, Option, Place, Text
from flows.conversation import Conversation, Facts, Profile
from flows.registry import FLOWS
from flows.steps import END, Exit, Flow, Start, Step, problems
from flows.types import Event, Inbound, Location, Media, Reply

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
CHAMPION = Profile(person_id=1, role="champion", status="active", language="en", name="Amina")

SURVEY = Flow(
    id="survey",
    title="doing the survey",
    steps=(
        Step("count", "How many people?", Number(0, 10_000)),
        Step("when", "When was it?", Day(max_days_back=90)),
        Step("kind", "Which kind?",
             Choose([Option("talk", "Group talk"), Option("other", "Something else")]),
             next={"other": "other", "*": "topics"}),
        Step("other", "What was it?", Text(max_length=100), next="topics"),
        Step("topics", "Which topics?",
             ChooseMany([Option("a", "Apples"), Option("b", "Bananas"), Option("c", "Cherries")]),
             optional=True),
        Step("where", "Where?", Place(), optional=True),
        Step("photo", "A photo?", Attachment(), optional=True, next=END),
    ),
    completed="survey_done",
    done="Thank you!",
)

# The real flows, with a menu that also offers the survey (and settings: a slash command
# opens only what the menu offers).
MENU = Flow(
    id="menu",
    steps=(Step("choose", "What would you like to do?",
                Choose([Option("survey", "Do the survey"), Option("settings", "Settings"),
                        Option("help", "Help")]),
                next={"survey": Start("survey"), "settings": Start("settings"),
                      "help": Start("help")}),),
    then=None,
)
ALL = {**FLOWS, "survey": SURVEY, "menu": MENU}


class Bot:
    """Someone talking to the engine directly; keeps the conversation between turns."""

    def __init__(self, facts: Facts | None = None, flow: str | None = "survey") -> None:
        self.facts = facts or Facts(profile=CHAMPION)
        self.conversation = Conversation()
        self.now = NOW
        self.turn: engine.Turn | None = None
        if flow:
            self.conversation = replace(self.conversation, flow=flow, step=None)

    def says(self, text: str | None = None, **fields: Any) -> str:
        inbound = Inbound("console", "amina", "m", self.now, text=text, **fields)
        self.turn = engine.resume(self.conversation, inbound, self.now, self.facts, ALL)
        self.conversation = self.turn.conversation
        return "\n\n".join(r.text for r in self.turn.replies)

    @property
    def answers(self) -> Mapping[str, Any]:
        return self.conversation.answers

    @property
    def events(self) -> tuple[Event, ...]:
        return self.turn.events if self.turn else ()

    @property
    def last(self) -> Reply:
        assert self.turn is not None
        return self.turn.replies[-1]


def test_every_flow_in_the_registry_is_valid() -> None:
    assert problems(FLOWS) == []
    assert problems(ALL) == []


def test_invalid_flows_are_reported_when_checked() -> None:
    broken = Flow(
        id="broken",
        steps=(
            Step("a", "A?", Choose([Option("x", "X"), Option("x", "Y")]),
                 next={"x": "missing", "zzz": "b"}),
            Step("b", "", Text(), next=Start("nowhere")),
            Step("b", "B?", Choose([Option("y" * 40, "long")])),
        ),
    )
    found = "\n".join(problems({"broken": broken}))
    assert "step id 'b' is used twice" in found
    assert "goes to unknown step 'missing'" in found
    assert "starts unknown flow 'nowhere'" in found
    assert "branches on unknown option 'zzz'" in found
    assert "option ids repeat" in found
    assert "empty prompt" in found
    assert "too long for a button" in found


def test_a_flow_runs_to_completion_and_emits_its_event_with_the_answers() -> None:
    bot = Bot()
    assert "How many people?" in bot.says("hello")
    assert "When was it?" in bot.says("25")
    assert "Which kind?" in bot.says("yesterday")
    assert "Which topics?" in bot.says("1")
    assert "Where?" in bot.says("1, 3")
    assert "A photo?" in bot.says(location=Location(52.6, -1.1, "Leicester"))
    said = bot.says(media=(Media("photo", "file-1", "image/jpeg"),))
    assert "Thank you!" in said and "What would you like to do?" in said
    (event,) = bot.events
    assert event.name == "survey_done"
    assert event.data["count"] == 25
    assert event.data["when"] == "2026-11-19"
    assert event.data["kind"] == "talk"
    assert event.data["topics"] == ["a", "c"]
    assert event.data["where"] == {"latitude": 52.6, "longitude": -1.1, "label": "Leicester"}
    assert event.data["photo_media"][0]["ref"] == "file-1"
    assert bot.conversation.flow == "menu"


@pytest.mark.parametrize(
    ("answer", "explanation"),
    [
        ("lots", "Please send a number, like 25. A good guess is fine."),
        ("10001", "Please send a number from 0 to 10,000."),
        ("-3", "Please send a number from 0 to 10,000."),
        ("", "I didn't receive an answer."),
        ("🙂🙂", "Please send a number, like 25."),
    ],
)
def test_a_bad_number_is_explained_and_asked_again(answer: str, explanation: str) -> None:
    bot = Bot()
    bot.says()
    said = bot.says(answer)
    assert explanation in said and said.endswith("How many people?")
    assert bot.conversation.step == "count"


def test_numbers_are_read_with_separators_and_in_other_scripts() -> None:
    bot = Bot()
    bot.says()
    bot.says("1,250")
    assert bot.answers["count"] == 1250
    bot.conversation = replace(bot.conversation, step="count")
    bot.says("٣٠")  # Arabic-Indic digits
    assert bot.answers["count"] == 30


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("19/11/2026", "2026-11-19"), ("19.11.26", "2026-11-19"), ("2026-11-01", "2026-11-01"),
     ("১৯/১১", "2026-11-19"), ("today", "2026-11-20"), ("2", "2026-11-19")],
)
def test_dates_are_understood_in_the_ways_people_write_them(typed: str, stored: str) -> None:
    bot = Bot()
    bot.says()
    bot.says("3")
    bot.says(typed)
    assert bot.answers["when"] == stored


@pytest.mark.parametrize(
    ("typed", "explanation"),
    [("21/11/2026", "That date is in the future."),
     ("1/1/2026", "Please send a date from the last 90 days."),
     ("31/02/2026", "Sorry, I couldn't read that date."),
     ("next week", "Sorry, I couldn't read that date.")],
)
def test_impossible_dates_are_refused(typed: str, explanation: str) -> None:
    bot = Bot()
    bot.says()
    bot.says("3")
    said = bot.says(typed)
    assert explanation in said and said.endswith("When was it?")
    assert "when" not in bot.answers


def test_a_branch_asks_for_more_and_a_changed_branch_leaves_nothing_behind() -> None:
    bot = Bot()
    bot.says()
    bot.says("3")
    bot.says("today")
    assert "What was it?" in bot.says("Something else")
    assert "Which topics?" in bot.says("A cooking class")
    bot.says("back")
    bot.says("back")
    assert bot.conversation.step == "kind"
    bot.says("Group talk")
    bot.says("skip")
    bot.says("skip")
    bot.says("skip")
    (event,) = bot.events
    assert event.data["kind"] == "talk" and "other" not in event.data


def test_multiple_choice_can_be_built_with_buttons() -> None:
    bot = Bot()
    bot.conversation = replace(bot.conversation, step="topics", answers={"count": 1})
    bot.says(choice_id="b")
    assert [c.selected for c in bot.last.choices[:3]] == [False, True, False]
    bot.says(choice_id="c")
    bot.says(choice_id="b")
    assert [c.selected for c in bot.last.choices[:3]] == [False, False, True]
    assert "Where?" in bot.says(choice_id="done")
    assert bot.answers["topics"] == ["c"]


def test_done_with_nothing_chosen_skips_an_optional_question() -> None:
    bot = Bot()
    bot.conversation = replace(bot.conversation, step="topics")
    said = bot.says("done")
    assert "Where?" in said and "Please choose at least one option." not in said
    assert bot.answers["topics"] is None


def test_skip_works_by_word_button_and_number() -> None:
    bot = Bot()
    bot.conversation = replace(bot.conversation, step="topics")
    bot.says("5")  # 1-3 options, 4 Done, 5 Skip
    assert bot.conversation.step == "where" and bot.answers["topics"] is None
    bot.says(choice_id="skip")
    assert bot.conversation.step == "photo"


def test_typing_one_on_a_number_question_is_a_number_not_skip() -> None:
    flow = Flow(id="survey", steps=(Step("hours", "Hours?", Number(0, 24), optional=True),),
                completed="survey_done")
    inbound = Inbound("console", "amina", "m", NOW, text="1")
    turn = engine.resume(Conversation(flow="survey", step="hours"), inbound, NOW,
                         Facts(profile=CHAMPION), {**FLOWS, "survey": flow})
    assert turn.events[0].data["hours"] == 1


def test_back_returns_to_the_previous_question_keeping_answers() -> None:
    bot = Bot()
    bot.says()
    bot.says("12")
    assert "How many people?" in bot.says("back")
    assert bot.answers["count"] == 12
    bot.says("13")
    assert bot.answers["count"] == 13 and bot.conversation.step == "when"


def test_cancel_leaves_the_flow_and_saves_nothing() -> None:
    bot = Bot()
    bot.says()
    bot.says("12")
    said = bot.says("cancel")
    assert "OK, cancelled. Nothing from that was saved." in said
    assert bot.events == ()
    assert bot.conversation.flow == "menu" and bot.answers == {}


@pytest.mark.parametrize("typed", ["/exit", "/Exit", "/abandon"])
def test_a_word_that_works_alone_works_after_a_slash_too(typed: str) -> None:
    bot = Bot()
    bot.says()
    bot.says("12")
    said = bot.says(typed)  # not taken as the answer to "When was it?"
    assert "OK, cancelled. Nothing from that was saved." in said
    assert bot.conversation.flow == "menu" and bot.answers == {}


def test_a_mistyped_slash_command_is_not_taken_as_an_answer() -> None:
    bot = Bot()
    bot.says()
    said = bot.says("/routing")
    assert "/routing is not one of the words champbot knows. Send HELP to see them." in said
    assert said.endswith("How many people?") and bot.answers == {}


def test_help_explains_and_asks_the_same_question_again() -> None:
    bot = Bot()
    bot.says()
    said = bot.says("help")
    assert "You can send these words at any time" in said and said.endswith("How many people?")


def test_global_words_work_in_other_languages_and_as_slash_commands() -> None:
    bot = Bot()
    bot.says()
    assert "What would you like to do?" in bot.says("/menu")
    bot.conversation = replace(bot.conversation, flow="survey", step="count")
    assert "You can send these words at any time" in bot.says("/help")


def test_a_slash_shortcut_opens_its_flow_from_anywhere_once_joined() -> None:
    bot = Bot()
    bot.says()
    bot.says("12")
    assert "What would you like to change?" in bot.says("/settings")
    assert bot.conversation.drafts["survey"].answers == {"count": 12}  # set aside, not lost
    stranger = Bot(Facts(), flow=None)
    said = stranger.says("/settings")
    assert "You will see the menu once you have joined." in said
    assert stranger.conversation.flow == "joining"


def test_menu_sets_a_half_finished_flow_aside_to_carry_on_later() -> None:
    bot = Bot()
    bot.says()
    bot.says("12")
    assert "What would you like to do?" in bot.says("menu")
    said = bot.says("Do the survey")
    assert "You were doing the survey earlier. Would you like to carry on" in said
    assert "When was it?" in bot.says("Carry on")
    assert bot.answers == {"count": 12}
    assert bot.conversation.drafts == {}


def test_starting_again_drops_the_set_aside_answers() -> None:
    bot = Bot()
    bot.says()
    bot.says("12")
    bot.says("menu")
    bot.says("1")
    assert "How many people?" in bot.says("2")  # start again
    assert bot.answers == {} and bot.conversation.drafts == {}


def test_changing_language_mid_flow_comes_back_to_the_same_question() -> None:
    bot = Bot()
    bot.says()
    bot.says("12")
    assert "Which language would you like to use?" in bot.says("language")
    said = bot.says("Polski")
    assert bot.events[0] == Event("profile_changed", {"language": "pl"})
    assert said.endswith("When was it?")  # untranslated test prompt, in its own words
    assert bot.answers == {"count": 12} and bot.conversation.step == "when"
    assert bot.last.language == "pl"


def test_a_button_from_an_earlier_question_is_not_taken_as_an_answer() -> None:
    bot = Bot()
    bot.says()
    bot.says("12")
    said = bot.says(choice_id="talk", choice_question="survey.kind")
    assert "That button belongs to an earlier question." in said
    assert bot.conversation.step == "when" and "kind" not in bot.answers


def test_an_idle_conversation_restarts_gently() -> None:
    bot = Bot()
    bot.says()
    bot.says("12")
    bot.now = NOW + timedelta(hours=25)
    said = bot.says("3")
    assert "Welcome back! It has been a while, so we are starting again." in said
    assert bot.conversation.flow == "menu" and bot.answers == {}


def test_paused_people_get_only_a_daily_reminder_until_they_send_start() -> None:
    bot = Bot(Facts(profile=replace(CHAMPION, status="paused")), flow=None)
    assert bot.says("hello") == "Your messages are paused. Send START to switch them on again."
    assert bot.says("hello?") == ""
    said = bot.says("START")
    assert bot.events == (Event("messages_resumed", {}),)
    assert "Messages are switched on again" in said and "What would you like to do?" in said


def test_a_half_finished_flow_is_offered_back_after_stop_and_start() -> None:
    bot = Bot()
    bot.says()
    bot.says("12")
    bot.says("stop")
    bot.says("start")
    said = bot.says("Do the survey")
    assert "You were doing the survey earlier. Would you like to carry on" in said
    assert "When was it?" in bot.says("Carry on")
    assert bot.answers == {"count": 12}


def test_stop_pauses_messages_with_one_confirmation() -> None:
    bot = Bot()
    bot.says()
    said = bot.says("STOP")
    assert bot.events == (Event("messages_paused", {}),)
    assert "Messages are paused" in said and "START" in said


def test_forget_asks_before_erasing() -> None:
    bot = Bot(flow=None)
    said = bot.says("forget")
    assert "Do you want us to erase your details?" in said and bot.events == ()
    said = bot.says("2")
    assert "OK, nothing has been erased." in said and bot.events == ()
    bot.says("FORGET")
    said = bot.says("1")
    assert bot.events == (Event("erasure_confirmed", {"confirm": "yes"}),)
    assert "Your details have been erased" in said
    assert bot.conversation == replace(Conversation(), updated_at=NOW)


def test_the_engine_never_exits_a_turn_in_silence_for_a_joined_person() -> None:
    # "999" is an emergency: the engine asks whether a coordinator would hear of it.
    bot = Bot(Facts(profile=CHAMPION, views={"coordinators": ()}), flow=None)
    for text in ["", "hi", "🙂", "x" * 5000, "/unknown", "999"]:
        assert bot.says(text), f"no reply to {text!r}"


def test_the_engine_is_a_pure_function_of_its_inputs() -> None:
    inbound = Inbound("console", "amina", "m", NOW, text="12")
    start = Conversation(flow="survey", step="count")
    first = engine.resume(start, inbound, NOW, Facts(profile=CHAMPION), ALL)
    second = engine.resume(start, inbound, NOW, Facts(profile=CHAMPION), ALL)
    assert first == second
    assert start == Conversation(flow="survey", step="count")


def test_leaving_with_forget_clears_the_conversation() -> None:
    flow = Flow(id="survey", steps=(
        Step("ok", "OK?", Choose([Option("no", "No")]),
             next={"no": Exit("survey_declined", "Bye", forget=True)}),))
    turn = engine.resume(Conversation(flow="survey", step="ok"),
                         Inbound("console", "a", "m", NOW, text="No"), NOW,
                         Facts(profile=CHAMPION), {**FLOWS, "survey": flow})
    assert turn.events == (Event("survey_declined", {"ok": "no"}),)
    assert [r.text for r in turn.replies] == ["Bye"]
    assert turn.conversation.flow is None and turn.conversation.answers == {}
