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


@pytest.mark.parametrize("text", ["999", "Call 999!", "ring 999 now", "999?", "٩٩٩",
                                  "Dzwońcie na 999!"])
def test_999_on_its_own_is_an_emergency(text: str) -> None:
    assert safety.scan(text) is not None, text


@pytest.mark.parametrize("text", ["1999", "She came here in 1999", "Call me on 0161 999 1234",
                                  "07999 123456", "The phone was £999", "It was 999.99",
                                  "9999 steps today", "999-1234", "up 999% on last year"])
def test_999_inside_another_number_is_not(text: str) -> None:
    assert safety.scan(text) is None, text


@pytest.mark.parametrize("text", ["My dad collapsed in the kitchen", "she's collapsed",
                                  "there is a man unconscious on the floor",
                                  "need ambulance now", "Ambulance please", "112",
                                  "A child in our block is being beaten at home",
                                  "Bus driver assaulted a passenger, still happening",
                                  "my sister is being attacked outside the shop"])
def test_what_people_write_in_an_emergency_is_caught(text: str) -> None:
    assert safety.scan(text) is not None, text


@pytest.mark.parametrize("text", ["emergency", "EMERGENCY!!", "Emergency.", "overdose",
                                  "Ambulance!", "KARETKA", "طوارئ"])
def test_a_word_alone_can_be_the_whole_emergency(text: str) -> None:
    found = safety.scan(text)
    assert found is not None and found.category == "emergency", text


@pytest.mark.parametrize("text", ["We talked about emergency contraception",
                                  "Overdose awareness session with naloxone kits",
                                  "The ambulance station is closing, people are worried",
                                  "قسم الطوارئ كان مزدحما",
                                  # what a health champion's activity is often about:
                                  "We talked about when to call 999 and when to call 111",
                                  "Showed the group how to call an ambulance",
                                  "First aid talk: what to do if someone collapsed or is "
                                  "unconscious, and the recovery position",
                                  "Talked about naloxone and what to do if someone overdosed"])
def test_the_same_word_in_ordinary_talk_is_not(text: str) -> None:
    assert safety.scan(text) is None, text


@pytest.mark.parametrize(("text", "kind"), [("Call 999, my husband hits me", "violence"),
                                            ("Wezwijcie karetkę, mąż ją bije", "violence"),
                                            ("999 he can't breathe", "breathing")])
def test_a_named_danger_is_reported_rather_than_a_bare_emergency(text: str, kind: str) -> None:
    found = safety.scan(text)
    assert found is not None and found.category == kind  # and so the abuse helpline too
