"""The words that work everywhere never take a main menu option's own words: "info" at the
menu is Health information (as /info is), in every language, and help is still help."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import App
from flows import commands, i18n
from flows.answers import Choose
from flows.conversation import Facts
from flows.definitions import menu
from flows.languages import CODES
from flows.steps import Context
from flows.text import word_list
from tests.support.chat import joined, t

pytestmark = pytest.mark.usefixtures("programme")

ROLES = ("champion", "coordinator", "partner", "former_partner")


def test_no_command_word_in_any_language_names_an_option_of_a_main_menu() -> None:
    """A command is taken before any answer, so a command word that named a menu option
    would hide that option from anyone who names it by word."""
    words: dict[str, set[str]] = {}
    for name, (context, msgid) in commands.GLOBAL.items():
        for translated in i18n.in_every_language(context, msgid).values():
            for word in word_list(translated):
                words.setdefault(word, set()).add(name)
    ctx = Context({}, Facts(), datetime(2026, 11, 21, tzinfo=UTC))
    clashes = []
    for role in ROLES:
        options = Choose(menu.entries(role))
        for code in CODES:
            with i18n.language(code):
                for word, names in words.items():
                    for option in options.candidates(word, ctx):
                        # The Help and Language options are those commands themselves.
                        if names != {option.id}:
                            clashes.append(f"{word!r} ({'/'.join(sorted(names))}) names "
                                           f"{i18n.translate(option.label)!r} ({code}, {role})")
    assert not clashes, clashes


@pytest.mark.parametrize(("code", "word"), [
    ("en", "info"), ("pl", "informacje"), ("ar", "معلومات"), ("ur", "معلومات"),
    ("so", "macluumaad"), ("bn", "তথ্য"), ("gu", "માહિતી"), ("pt", "informação"),
    ("ro", "informații")])
async def test_the_word_for_information_at_the_menu_opens_health_information(
    app: App, code: str, word: str
) -> None:
    amina = await joined(app, "amina", code)
    await amina.says(word)
    amina.sees(t(code, "Which topic?"), t(code, "Heart health and blood pressure"))
    with i18n.language(code):
        amina.does_not_see(commands.summary())


@pytest.mark.parametrize(("code", "word"), [
    ("en", "help"), ("pl", "pomoc"), ("ar", "مساعدة"), ("so", "caawimaad"), ("bn", "সাহায্য")])
async def test_help_is_still_help_in_every_language(app: App, code: str, word: str) -> None:
    amina = await joined(app, "amina", code)
    await amina.says("/log")
    await amina.says(word)
    with i18n.language(code):
        amina.sees(commands.summary(), t(code, "What did you do?"))
