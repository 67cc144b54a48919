"""The deployer's template file: read once at start-up, and a mistake is named in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.whatsapp.outgoing import split
from bot.channels.whatsapp.templates import Templates, fill
from bot.server import configured_channels
from bot.settings import SettingsError, load_settings
from tests.support.whatsapp import BROADCAST_EN, TEMPLATES


def test_templates_are_found_by_purpose_and_language_and_filled(tmp_path: Path) -> None:
    path = tmp_path / "templates.json"
    path.write_text(json.dumps(TEMPLATES))
    templates = Templates.load(path)
    chosen = templates.for_purpose("broadcast", "en")
    assert chosen is not None and chosen.content_sid == BROADCAST_EN
    assert templates.for_purpose("broadcast", "pl") is None
    assert templates.for_purpose("reminder", "en") is None
    filled = fill(chosen, {"programme": "Riverside Health Champions"})
    assert json.loads(filled.variables) == {"1": "Riverside Health Champions"}
    assert Templates.load(None).for_purpose("broadcast", "en") is None


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("{not json", "Expecting property name"),
        (json.dumps({"purposes": {"broadcast": {"fr": {"content_sid": BROADCAST_EN}}}}),
         "unknown language 'fr'"),
        (json.dumps({"purposes": {"broadcast": {"en": {"content_sid": "HX123"}}}}),
         "purposes.broadcast.en.content_sid"),
        (json.dumps({"purposes": {"broadcast": {"en": {"content_sid": BROADCAST_EN,
                                                       "variables": {"1": "{0}"}}}}}),
         "named placeholders"),
        (json.dumps({"purpose": {}}), "purpose"),
    ],
)
def test_a_broken_template_file_stops_start_up_with_one_line(
    tmp_path: Path, content: str, named: str
) -> None:
    path = tmp_path / "templates.json"
    path.write_text(content)
    with pytest.raises(SettingsError) as raised:
        Templates.load(path)
    message = str(raised.value)
    assert message.startswith("champbot: setting WHATSAPP_TEMPLATES_FILE: ")
    assert named in message and "\n" not in message


@pytest.mark.parametrize("length", [10, 1600, 1601, 5000])
def test_long_text_is_split_under_the_limit_between_words(length: int) -> None:
    words = ("word " * length)[:length]
    parts = split(words, limit=1600)
    assert all(len(part) <= 1600 for part in parts)
    assert " ".join(parts).split() == words.split()


def test_characters_outside_the_basic_plane_count_twice() -> None:
    parts = split("🙂" * 900, limit=1600)  # 1,800 UTF-16 units
    assert [len(part) for part in parts] == [800, 100]


def test_a_sender_number_that_is_no_number_stops_start_up_with_one_line(
    app: App, environ: dict[str, str]
) -> None:
    broken = App(load_settings({**environ, "TWILIO_WHATSAPP_FROM": "+1"}, env_file=None),
                 app.database, app.clock)
    with pytest.raises(SettingsError) as raised:
        configured_channels(broken)
    assert str(raised.value) == ("champbot: setting TWILIO_WHATSAPP_FROM is not a phone number "
                                 "(like +14155238886)")
    assert [type(part.sender).__name__ for part in configured_channels(app)] == [
        "WhatsAppSender"]
