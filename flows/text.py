"""Normalising what people type, whatever script or keyboard they use."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# An apostrophe inside a word ("St Mark's", "don’t"): typed or not, the same word.
_APOSTROPHE = re.compile(r"(?<=\w)['’ʼ`](?=\w)")
# Thousands separators people use: comma, dot, space, no-break and thin spaces,
# the Arabic thousands separator and the apostrophe.
_GROUPING = re.compile(r"(?<=\d)[,.\u00a0\u202f\u066c' ](?=\d{3}(\D|$))")


def ascii_digits(text: str) -> str:
    """Turn any decimal digit (Bengali ৩, Arabic-Indic ٣, Gujarati ૩, …) into 0-9."""
    out = []
    for char in text:
        if char.isdigit() and not char.isascii():
            try:
                out.append(str(unicodedata.digit(char)))
                continue
            except ValueError:
                pass
        out.append(char)
    return "".join(out)


def fold(text: str) -> str:
    """A form of ``text`` for matching words: case, accents of Latin letters, spaces,
    apostrophes inside words."""
    text = unicodedata.normalize("NFKC", ascii_digits(text)).casefold().strip()
    text = text.strip(" .!?¿¡,;:،؛۔।\"'“”‘’()[]")
    decomposed = unicodedata.normalize("NFD", text)
    # Drop combining marks only from Latin letters: in Arabic, Bengali or
    # Gurmukhi they change meaning.
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    folded = unicodedata.normalize("NFC", "".join(kept))
    return _SPACES.sub(" ", _APOSTROPHE.sub("", folded))


def has_letters(text: str) -> bool:
    return any(unicodedata.category(char).startswith("L") for char in text)


def parse_whole_number(text: str) -> int | None:
    """A whole number typed in any script, with or without thousands separators."""
    cleaned = _GROUPING.sub("", ascii_digits(text).strip())
    if re.fullmatch(r"[+-]?\d{1,9}", cleaned):
        return int(cleaned)
    return None


def word_list(text: str) -> frozenset[str]:
    """A translated list of words, separated by commas, as folded words."""
    return frozenset(w for w in (fold(part) for part in re.split(r"[,،、]", text)) if w)
