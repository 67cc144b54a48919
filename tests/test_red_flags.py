"""Red flags in every language: each kind of danger is caught from natural sentences
(first and third person, common euphemisms), and ordinary health talk raises nothing."""

from __future__ import annotations

import pytest

from flows import safety
from flows.languages import CODES
from tests.data.red_flag_sentences import DANGER, ORDINARY

CASES = [(code, kind, sentence) for code, kinds in DANGER.items()
         for kind, sentences in kinds.items() for sentence in sentences]


def test_every_language_and_every_kind_of_danger_has_sentences() -> None:
    assert sorted(DANGER) == sorted(CODES) == sorted(ORDINARY)
    for code, kinds in DANGER.items():
        assert sorted(kinds) == sorted(safety.CATEGORIES), code
        assert all(len(sentences) >= 2 for sentences in kinds.values()), code


@pytest.mark.parametrize(("code", "kind", "sentence"), CASES)
def test_danger_is_caught(code: str, kind: str, sentence: str) -> None:
    found = safety.scan(sentence)
    assert found is not None, f"{code}: nothing found in {sentence!r}"
    assert found.category == kind, f"{code}: {sentence!r} read as {found}"


@pytest.mark.parametrize(("code", "sentence"),
                         [(code, s) for code, said in ORDINARY.items() for s in said])
def test_ordinary_health_talk_raises_nothing(code: str, sentence: str) -> None:
    assert safety.scan(sentence) is None


def test_a_curly_apostrophe_is_read_like_a_straight_one() -> None:
    found = safety.scan("My neighbour can’t breathe")
    assert found is not None and found.category == "breathing"
