"""The data that ships: red-flag phrases and the starter health library, in every language."""

from __future__ import annotations

import re

import pytest

from bot.services import library
from flows import safety
from flows.languages import CODES
from flows.text import ascii_digits


@pytest.mark.parametrize("code", CODES)
def test_every_language_has_red_flag_phrases_for_every_kind_of_danger(code: str) -> None:
    phrases = safety.read(code)
    missing = set(safety.CATEGORIES) - {p.category for p in phrases}
    assert not missing, f"{code} has no phrases for {sorted(missing)}"


@pytest.mark.parametrize("code", CODES)
def test_each_phrase_of_a_language_is_recognised_inside_a_sentence(code: str) -> None:
    for phrase in safety.read(code):
        # A phrase written "=word" is the whole message or nothing.
        found = safety.scan(phrase.text if phrase.whole else f"... {phrase.text} ...")
        assert found is not None, (code, phrase.text)


@pytest.mark.parametrize(
    "text",
    ["We ran a stroke prevention talk at the mosque", "Chat about diabetes and healthy eating",
     "Drug abuse awareness session", "12 people at the health walk", "Vaccination stall"],
)
def test_ordinary_health_talk_raises_no_red_flag(text: str) -> None:
    assert safety.scan(text) is None


def starter() -> dict[str, dict[str, library.Row]]:
    by_language: dict[str, dict[str, library.Row]] = {}
    for row in library.starter_rows():
        by_language.setdefault(row.language, {})[row.slug] = row
    return by_language


def test_the_starter_library_has_at_least_twelve_messages_across_the_topics() -> None:
    english = starter()["en"]
    assert len(english) >= 12
    assert len({row.topic for row in english.values()}) >= 10
    assert all(row.source_name and row.source_url.startswith("https://")
               for row in english.values())


@pytest.mark.parametrize("code", [c for c in CODES if c != "en"])
def test_every_starter_message_is_translated_and_keeps_its_numbers(code: str) -> None:
    library_ = starter()
    english, translated = library_["en"], library_.get(code, {})
    assert set(translated) == set(english), f"{code}: {set(english) ^ set(translated)}"
    for slug, row in english.items():
        other = translated[slug]
        assert other.topic == row.topic
        for number in re.findall(r"\d[\d ]*\d|\d", row.body):
            assert number.replace(" ", "") in ascii_digits(other.body).replace(" ", ""), (
                code, slug, number)
