"""How replies look on Telegram, and how Telegram's updates are read: no network here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import Bot, Update

from bot.channels.telegram import keyboards, menu, render
from bot.channels.telegram.updates import from_message
from flows.answers import Choose
from flows.conversation import Facts
from flows.engine import RESUME
from flows.registry import FLOWS
from flows.steps import Context
from flows.types import Choice, Location, Media, Reply
from tests.support import telegram_rules as rules
from tests.support.chat import t
from tests.support.telegram_server import TOKEN

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def buttons(reply: Reply, drawing: str = "zz") -> list[list[dict[str, Any]]]:
    markup = keyboards.markup(reply, drawing)
    assert markup is not None
    rows = rules.inline_keyboard(markup.to_dict())  # as the Bot API checks it
    assert rows is not None
    return rows


def test_every_question_fits_in_a_button_with_any_choice_id() -> None:
    """Button data carries the question, a choice id (up to 32 bytes) and the drawing."""
    questions = [f"{flow.id}.{step.id}" for flow in FLOWS.values() for step in flow.steps]
    questions += [f"{flow.id}.{RESUME}" for flow in FLOWS.values()]
    for question in questions:
        data = keyboards.data_for(question, "x" * 32, keyboards.tag(10**9))
        assert data.startswith(question), f"{question} is too long for Telegram buttons"
        assert len(data.encode()) <= rules.MAX_DATA_BYTES


def test_button_data_round_trips_and_an_overlong_question_is_dropped_not_cut() -> None:
    data = keyboards.data_for("joining.topics", "vaccination", "1z")
    assert keyboards.parse(data) == keyboards.Press("joining.topics", "vaccination")
    long = keyboards.data_for("q" * 50, "c" * 20, "1z")
    assert keyboards.parse(long) == keyboards.Press(None, "c" * 20)
    assert keyboards.parse("garbage") is None
    with pytest.raises(keyboards.ButtonTooLong):
        keyboards.data_for(None, "c" * 70, "1z")


def test_multi_choice_buttons_show_ticks_and_keep_done_and_skip_apart() -> None:
    reply = Reply("Which topics?", (Choice("a", "Apples", True), Choice("b", "Bananas"),
                                    Choice("done", "Done"), Choice("skip", "Skip")),
                  multi=True, question="survey.topics")
    rows = buttons(reply)
    assert [[b["text"] for b in row] for row in rows] == [
        ["✓ Apples", "Bananas"], ["Done", "Skip"]]
    assert keyboards.parse(rows[0][0]["callback_data"]) == keyboards.Press("survey.topics", "a")


def test_typed_questions_still_show_their_extras_as_buttons() -> None:
    reply = Reply("What should we call you?", (Choice("skip", "Skip"),), numbered=False,
                  question="joining.name")
    assert [[b["text"] for b in row] for row in buttons(reply)] == [["Skip"]]


def test_long_labels_get_a_row_each_and_right_to_left_labels_are_marked() -> None:
    reply = Reply("؟", (Choice("a", "Heart health and blood pressure"), Choice("b", "Housing")),
                  language="ar", question="q.s")
    rows = buttons(reply)
    assert [len(row) for row in rows] == [1, 1]
    assert all(b["text"].startswith(render.RLM) for row in rows for b in row)


def test_the_ten_languages_fit_two_a_row() -> None:
    step = FLOWS["joining"].step("language")
    assert isinstance(step.answer, Choose)
    choices = step.answer.choices(Context({}, Facts(), NOW))
    rows = buttons(Reply("Which language?", choices, question="joining.language"))
    assert [len(row) for row in rows] == [2] * 5


def test_a_long_text_is_split_at_sentence_ends_under_the_limit() -> None:
    sentence = "Wash your hands before eating and after using the toilet. "
    text = sentence * 200  # about 11,600 characters
    parts = render.parts(text, "en")
    assert len(parts) == 3
    for part in parts:
        plain, _ = rules.message_text(part, render.PARSE_MODE)
        assert rules.units(plain) <= rules.MAX_TEXT
        assert plain.endswith("toilet.")
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")


def test_splitting_counts_emoji_as_telegram_does_and_never_loses_a_character() -> None:
    text = ("🙂" * 3000) + "\n\n" + ("word " * 900)
    parts = render.split(text)
    assert all(render.units(part) <= render.LIMIT for part in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == \
        text.replace(" ", "").replace("\n", "")


def test_text_from_people_is_escaped_for_the_parse_mode() -> None:
    (part,) = render.parts("Welcome, Tom <3 & <b>Jerry</b>!", "en")
    plain, entities = rules.message_text(part, render.PARSE_MODE)
    assert plain == "Welcome, Tom <3 & <b>Jerry</b>!" and entities == []


def test_right_to_left_text_starts_every_line_right_to_left() -> None:
    (part,) = render.parts("مرحبا\n1. Northfield\n\nشكرا", "ar")
    assert part.split("\n") == [f"{render.RLM}مرحبا", f"{render.RLM}1. Northfield", "",
                                f"{render.RLM}شكرا"]
    assert render.parts("Hello\n1. Northfield", "en") == ["Hello\n1. Northfield"]


@pytest.mark.parametrize("code", ["en", "ar", "pl"])
def test_the_command_menu_is_translated_and_valid(code: str) -> None:
    commands = [c.to_dict() for c in menu.commands_in(code)]
    assert rules.commands(commands, code) == commands
    assert [c["command"] for c in commands] == [
        "menu", "log", "concern", "info", "concerns", "impact", "settings", "language", "help",
        "stop"]
    assert commands[1]["description"] == t(code, "Log an activity")


def message(**fields: Any) -> Update:
    data = {"update_id": 7, "message": {
        "message_id": 42, "date": 1_780_000_000,
        "chat": {"id": 5001, "type": "private", "first_name": "Amina"},
        "from": {"id": 5001, "is_bot": False, "first_name": "Amina", "language_code": "pt-br"},
        **fields}}
    update = Update.de_json(data, Bot(TOKEN))
    assert update is not None
    return update


def test_a_deep_link_and_the_language_hint_are_read() -> None:
    update = message(text="/start DEMO2026")
    assert update.message is not None
    inbound = from_message(update.message, NOW)
    assert (inbound.channel, inbound.address, inbound.message_id) == ("telegram", "5001",
                                                                       "5001:42")
    assert (inbound.text, inbound.language_hint) == ("/start DEMO2026", "pt-br")


def test_photos_voice_notes_and_locations_are_kept_by_reference() -> None:
    photo = message(caption="the broken lift", photo=[
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 60},
        {"file_id": "large", "file_unique_id": "l", "width": 1280, "height": 960}])
    voice = message(voice={"file_id": "v1", "file_unique_id": "v", "duration": 4,
                           "mime_type": "audio/ogg"})
    place = message(venue={"location": {"latitude": 51.5, "longitude": -0.1},
                           "title": "Community centre", "address": "1 High St"})
    assert photo.message and voice.message and place.message
    inbound = from_message(photo.message, NOW)
    assert (inbound.text, inbound.media) == ("the broken lift",
                                             (Media("photo", "large", "image/jpeg"),))
    assert from_message(voice.message, NOW).media == (Media("voice", "v1", "audio/ogg"),)
    assert from_message(place.message, NOW).location == Location(51.5, -0.1,
                                                                 "Community centre")
