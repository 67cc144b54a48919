"""Reply text as Telegram shows it: in parts under the length limit, right-to-left
where the language is (``flows.languages.directed``), and escaped for the HTML parse
mode."""

from __future__ import annotations

import html
import re

from flows.languages import RLM as RLM  # the mark, for those who look for it here
from flows.languages import directed

PARSE_MODE = "HTML"
# Telegram allows 4,096 characters (after entities are parsed, counted in UTF-16
# units); a margin keeps us clear of it whatever the client counts.
LIMIT = 4000
CAPTION_LIMIT = 1000  # under a photo or file: Telegram allows 1,024, the same margin

_SENTENCE_END = re.compile(r"[.!?؟।۔。…](?=\s)")


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def parts(text: str, language: str, limit: int = LIMIT) -> list[str]:
    """The text to send, as escaped HTML parts each under ``limit`` once parsed."""
    return [escape(part) for part in split(directed(text, language), limit)]


def split(text: str, limit: int = LIMIT) -> list[str]:
    """Cut at paragraph, line or sentence ends where possible, never mid-word if avoidable."""
    pieces: list[str] = []
    rest = text.strip()
    while units(rest) > limit:
        fits = _fitting(rest, limit)
        cut = _best_cut(rest[:fits])
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _fitting(text: str, limit: int) -> int:
    """How many characters from the start fit within ``limit`` UTF-16 units."""
    total = 0
    for index, char in enumerate(text):
        total += 2 if ord(char) > 0xFFFF else 1
        if total > limit:
            return index
    return len(text)


def _best_cut(window: str) -> int:
    floor = len(window) // 2  # a cut in the first half would make tiny parts
    for separator in ("\n\n", "\n"):
        at = window.rfind(separator)
        if at > floor:
            return at + len(separator)
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() > floor]
    if ends:
        return ends[-1]
    at = window.rfind(" ")
    return at + 1 if at > floor else len(window)
