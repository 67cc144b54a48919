"""Reading what people type, in any script."""

from __future__ import annotations

import pytest

from flows import commands, i18n, languages
from flows.invites import extract_code
from flows.text import ascii_digits, fold, has_letters, parse_whole_number


@pytest.mark.parametrize(
    ("typed", "value"),
    [("25", 25), (" 1,250 ", 1250), ("10 000", 10000), ("১২", 12), ("۲۵", 25), ("٣", 3),
     ("૪૦", 40), ("੧੦", 10), ("1.5", None), ("lots", None), ("", None), ("12abc", None)],
)
def test_whole_numbers_in_any_script(typed: str, value: int | None) -> None:
    assert parse_whole_number(typed) == value


def test_digits_become_ascii_and_words_fold() -> None:
    assert ascii_digits("১২৩ ٤٥٦") == "123 456"
    assert fold("  NÃO!  ") == "nao"
    assert fold("نہیں۔") == "نہیں"
    assert fold("St Mark’s") == fold("st marks") == fold("ST MARK'S") == "st marks"
    assert has_letters("Amina") and has_letters("اردو") and not has_letters("😀 123 !!")


@pytest.mark.parametrize(
    ("typed", "code"),
    [("JOIN k7m4-q9tx", "K7M4Q9TX"), ("/start DEMO2026", "DEMO2026"), ("demo 2026", "DEMO2026"),
     ("join: abc12345", "ABC12345"), ("hi", None), ("", None), ("what is this?", None)],
)
def test_invite_codes_are_found_however_they_are_typed(typed: str, code: str | None) -> None:
    assert extract_code(typed) == code


@pytest.mark.parametrize(
    ("typed", "command"),
    [("menu", "menu"), ("MENU", "menu"), ("/menu", "menu"), ("/help@champbot", "help"),
     ("Back", "back"), ("stop", "stop"), ("forget me", "forget"), ("hello", None),
     ("/unknown", None)],
)
def test_global_words_are_recognised(typed: str, command: str | None) -> None:
    found = commands.detect(typed)
    assert (found.name if found else None) == command


@pytest.mark.parametrize("code", languages.CODES)
def test_each_global_command_has_a_word_in_every_language(code: str) -> None:
    with i18n.language(code):
        for name in commands.GLOBAL:
            word = commands.first_word(name)
            assert word and commands.detect(word) == commands.Command(name), (code, name, word)


def test_language_hints_from_tags_and_phone_numbers() -> None:
    assert languages.from_tag("pt-br") == "pt"
    assert languages.from_tag("ur_PK") == "ur"
    assert languages.from_tag("fr") is None
    assert languages.from_calling_code("+48601234567") == "pl"
    assert languages.from_calling_code("+923001234567") == "ur"
    assert languages.from_calling_code("+447700900123") is None
