"""Red flags: phrases that may mean someone is in danger now, in every supported language.

The phrase lists are data (``flows/data/red_flags/<language>.txt``, one
``category | phrase`` per line) so that people who speak each language can
review and extend them. Every list is checked against every message: people
often write in more than one language.

A phrase in Latin letters must stand as whole words; one that starts or ends with a
digit ("999") must stand as a whole number, not part of another ("1999", a phone
number like "0161 999 1234", "£999"). A phrase written ``=emergency`` is the whole
message or nothing: "EMERGENCY!" is one, "emergency contraception" is not.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from flows.conversation import Emergency
from flows.i18n import _
from flows.languages import CODES
from flows.text import fold
from flows.types import MAX_INBOUND_TEXT

log = logging.getLogger(__name__)

DATA = files("flows") / "data" / "red_flags"
CATEGORIES = ("suicide", "self_harm", "chest_pain", "stroke", "breathing", "violence",
              "child_at_risk", "abuse", "emergency")
# Words that say "emergency" without saying what ("999", "call an ambulance"): when a
# message also names the danger, that kind is the one reported (it decides, for one, whether
# the domestic abuse helpline is given too).
GENERIC = "emergency"
WHOLE = "="  # a phrase that must be the whole message

# Where a phrase may start and end (the text is folded: lower case, Latin accents gone).
WORD_BEFORE, WORD_AFTER = r"(?<![a-z0-9])", r"(?![a-z0-9])"
# A number stands alone: no digit, letter or currency sign against it, and no other group of
# digits one space, dot, comma, slash or dash away (phone numbers, dates, prices).
NUMBER_BEFORE = r"(?<![a-z0-9£$€+])(?<![0-9][ .,/-])"
NUMBER_AFTER = r"(?![a-z0-9%])(?![ .,/-]?[0-9])"


@dataclass(frozen=True)
class RedFlag:
    category: str
    phrase: str
    language: str


@dataclass(frozen=True)
class Phrase:
    category: str
    text: str  # folded
    pattern: re.Pattern[str] | None  # where it may stand (see ``_edges``); None: anywhere
    whole: bool = False  # the whole message or nothing
    edges: tuple[str, str] = ("", "")


def _edges(text: str, whole: bool) -> tuple[str, str]:
    """What must come before and after a phrase for it to count."""
    if whole:
        return "^", "$"
    latin = text.isascii()
    before = NUMBER_BEFORE if text[0].isdigit() else WORD_BEFORE if latin else ""
    after = NUMBER_AFTER if text[-1].isdigit() else WORD_AFTER if latin else ""
    return before, after


def _apostrophes(text: str) -> str:
    """Phones write "can’t" with a curly apostrophe; the lists use a straight one."""
    return text.replace("’", "'").replace("‘", "'")


def read(language: str) -> list[Phrase]:
    path = DATA / f"{language}.txt"
    phrases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        category, sep, phrase = (part.strip() for part in line.partition("|"))
        whole = phrase.startswith(WHOLE)
        folded = _apostrophes(fold(phrase.removeprefix(WHOLE)))
        if not sep or category not in CATEGORIES or not folded:
            raise ValueError(f"{path.name}:{number}: expected 'category | phrase'")
        edges = _edges(folded, whole)
        pattern = re.compile(edges[0] + re.escape(folded) + edges[1]) if any(edges) else None
        phrases.append(Phrase(category, folded, pattern, whole, edges))
    return phrases


@cache
def _all() -> tuple[tuple[str, Phrase], ...]:
    found: list[tuple[str, Phrase]] = []
    for code in CODES:
        try:
            found += [(code, phrase) for phrase in read(code)]
        except FileNotFoundError:
            # A test insists every language has a list; at run time a missing one must
            # not stop the bot answering, so the others still protect people.
            log.error("no red-flag phrases for %s", code)
    return tuple(found)


def _trie(words: list[str]) -> str:
    """One regular expression matching exactly ``words``, shaped as a trie so that each
    position of a message costs the length of the longest phrase, not the number of them."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a phrase ends here

    def pattern(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(char) + pattern(child)
                    for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return pattern(tree)


@cache
def _by_language() -> tuple[tuple[str, re.Pattern[str], tuple[Phrase, ...]], ...]:
    """Per language, in order: one expression that matches where any of its phrases would,
    and the phrases. Most messages hold no red flag, and the expression says so in one pass
    instead of one per phrase."""
    grouped: dict[str, list[Phrase]] = {}
    for language, phrase in _all():
        grouped.setdefault(language, []).append(phrase)
    found = []
    for language, phrases in grouped.items():
        by_edges: dict[tuple[str, str], list[str]] = {}
        for phrase in phrases:
            by_edges.setdefault(phrase.edges, []).append(phrase.text)
        parts = [f"{before}(?:{_trie(texts)}){after}"
                 for (before, after), texts in by_edges.items()]
        found.append((language, re.compile("|".join(parts)), tuple(phrases)))
    return tuple(found)


def scan(text: str | None) -> RedFlag | None:
    """The first red flag in ``text``, if any: the first phrase, in the order of the
    languages and of their lists, found in it; one naming the kind of danger before one
    that only says it is an emergency ("call 999, my husband hits me" is violence)."""
    if not text or not text.strip():
        return None
    folded = _apostrophes(fold(text))
    generic: RedFlag | None = None
    for language, any_phrase, phrases in _by_language():
        if not any_phrase.search(folded):
            continue
        for phrase in phrases:
            if generic is not None and phrase.category == GENERIC:
                continue
            found = phrase.pattern.search(folded) if phrase.pattern else phrase.text in folded
            if not found:
                continue
            if phrase.category != GENERIC:
                return RedFlag(phrase.category, phrase.text, language)
            generic = RedFlag(phrase.category, phrase.text, language)
    return generic


def where(text: str | None) -> tuple[int, int] | None:
    """Where in ``text`` the red flag ``scan`` finds stands, as (start, end) in ``text``
    itself: to quote or keep the words around it. Matching is done on folded text, whose
    letters do not line up with the message's, so this finds the shortest beginning of the
    message that holds the phrase, then the shortest end of that beginning."""
    flag = scan(text)
    if text is None or flag is None:
        return None
    phrase = next((p for language, p in _all() if language == flag.language
                   and p.text == flag.phrase and p.category == flag.category), None)
    if phrase is None:
        return None

    def holds(part: str) -> bool:
        folded = _apostrophes(fold(part))
        return bool(phrase.pattern.search(folded) if phrase.pattern else phrase.text in folded)

    low, high = 0, len(text)  # text[:high] holds it
    while low < high:
        middle = (low + high) // 2
        if holds(text[:middle]):
            high = middle
        else:
            low = middle + 1
    end = high
    low, high = 0, end  # text[low:end] holds it
    while low < high:
        middle = (low + high + 1) // 2
        if holds(text[middle:end]):
            low = middle
        else:
            high = middle - 1
    return low, end


def kept_words(text: str | None, limit: int = MAX_INBOUND_TEXT) -> str:
    """What is kept of a message that raised a red flag: all of it (the channels already
    cut a message at ``MAX_INBOUND_TEXT``). Were it ever longer than ``limit``, the part
    around the words that raised it: never the message without them."""
    text = (text or "").strip()
    if len(text) <= limit:
        return text
    start, end = where(text) or (0, 0)
    begin = max(0, min(start - (limit - (end - start)) // 2, len(text) - limit))
    return text[begin:begin + limit].strip()


ABUSE = frozenset({"violence", "abuse", "child_at_risk"})


def emergency_numbers(numbers: Emergency, category: str | None = None) -> str:
    """Where to get help now; said before anything else when a red flag is seen."""
    lines = [_(
        "If someone is in danger or seriously ill right now, call {emergency} now.\n"
        "For urgent help that is not an emergency, call {urgent}. For mental health, "
        "choose option {option}.\n"
        "To talk to someone at any time, call {crisis_name} free on {crisis_number}, "
        "or text {text_word} to {text_number}.",
        emergency=numbers.emergency, urgent=numbers.urgent,
        option=numbers.mental_health_option, crisis_name=numbers.crisis_name,
        crisis_number=numbers.crisis_number, text_word=numbers.text_word,
        text_number=numbers.text_number,
    )]
    if category in ABUSE:
        lines.append(_("For domestic abuse, call the {abuse_name} free, day or night, on "
                       "{abuse_number}.", abuse_name=numbers.abuse_name,
                       abuse_number=numbers.abuse_number))
    return "\n".join(lines)


# Whether an alert reaches a coordinator now, or waits for one who is back (there are
# coordinators, but paused by STOP or unreachable), or for the first to join (none yet).
TOLD, AWAY, NONE = "told", "away", "none"


def emergency_message(numbers: Emergency, joined: bool, told: bool,
                      category: str | None = None, *, away: bool = False) -> str:
    """The emergency numbers, then only what really happened to the message.

    ``told``: at least one coordinator receives the alert now; otherwise it waits
    for the first coordinator to be back (``away``: there are coordinators, but none
    can be reached right now) or to join, and the person is told exactly that.
    """
    if joined and told:
        done = _("We have kept what you wrote as an urgent concern and told your coordinator.")
    elif joined and away:
        done = _("We have kept what you wrote as an urgent concern. No coordinator can be "
                 "reached right now: it will be shown to the first one who is back.")
    elif joined:
        done = _("We have kept what you wrote as an urgent concern. There is no coordinator "
                 "yet: the first one to join will see it straight away.")
    elif told:
        done = _("We have told a coordinator.")
    elif away:
        done = _("No coordinator can be reached right now: what you wrote will be shown to "
                 "the first one who is back.")
    else:
        done = _("There is no coordinator yet: the first one to join will see what you wrote "
                 "straight away.")
    return emergency_numbers(numbers, category) + "\n" + done
