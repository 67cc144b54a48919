"""Every language is complete: no missing or fuzzy entries, and placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from flows import commands, i18n
from flows.languages import CODES
from flows.text import word_list

LOCALES = Path(__file__).resolve().parents[1] / "locales"
TRANSLATED = [code for code in CODES if code != "en"]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def catalog(code: str) -> Catalog:
    with (LOCALES / code / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp)


def template() -> Catalog:
    with (LOCALES / "messages.pot").open("rb") as fp:
        return read_po(fp)


def key(message: object) -> tuple[object, object]:
    return (getattr(message, "context", None), getattr(message, "id", None))


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_has_every_message_of_the_template(code: str) -> None:
    wanted = {key(m) for m in template() if m.id}
    present = {key(m) for m in catalog(code) if m.id}
    assert not wanted - present, f"{code} lacks: {sorted(map(str, wanted - present))[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_is_fully_translated_without_fuzzy_entries(code: str) -> None:
    gaps = []
    for message in catalog(code):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s and s.strip() for s in strings):
            gaps.append(message.id)
    assert not gaps, f"{code}: {len(gaps)} untranslated or fuzzy, e.g. {gaps[:3]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_the_placeholders_of_their_message(code: str) -> None:
    wrong = []
    for message in catalog(code):
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):
            wanted = placeholders(message.id[0]) | placeholders(message.id[1])
            for form in message.string:
                if form and placeholders(form) - wanted:
                    wrong.append(message.id[0])
        elif placeholders(message.string) != placeholders(message.id):
            wrong.append(message.id)
    assert not wrong, f"{code}: placeholders differ in {wrong[:3]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_header_asks_for_review_by_native_speakers(code: str) -> None:
    text = (LOCALES / code / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert "native speaker" in text.split("msgid", 1)[0].lower()


def test_no_word_means_two_different_commands_in_any_language() -> None:
    meaning: dict[str, str] = {}
    clashes = []
    for name, (context, msgid) in commands.GLOBAL.items():
        for code, translated in i18n.in_every_language(context, msgid).items():
            for word in word_list(translated):
                if meaning.setdefault(word, name) != name:
                    clashes.append(f"{word!r} ({code}) is both {meaning[word]} and {name}")
    assert not clashes, clashes


@pytest.mark.parametrize("code", CODES)
def test_yes_and_no_words_do_not_overlap(code: str) -> None:
    with i18n.language(code):
        yes, no = commands.answer_words("yes"), commands.answer_words("no")
    assert not yes & no, f"{code}: {sorted(yes & no)} mean both yes and no"


def test_the_template_holds_exactly_the_messages_the_code_marks() -> None:
    from babel.messages.extract import extract_from_dir

    keywords = {"_": None, "N_": None, "translate": None, "ngettext": (1, 2),
                "pgettext": ((1, "c"), 2), "NP_": ((1, "c"), 2)}
    root = LOCALES.parent
    marked: set[tuple[object, object]] = set()
    for package in ("bot", "flows"):
        for _file, _line, message, _comments, context in extract_from_dir(
            root / package, method_map=[("**.py", "python"), ("**.html", "jinja2")],
            keywords=keywords,
        ):
            marked.add((context, message[0] if isinstance(message, tuple) else message))
    in_template = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id)
                   for m in template() if m.id}
    assert marked - in_template == set(), "run ./dev catalogs: new messages are missing"
    assert in_template - marked == set(), "run ./dev catalogs: the template has stale messages"
