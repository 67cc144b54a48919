"""Every test runs with logging as production sets it up (bot.logs), at DEBUG, captured;
afterwards no line may hold a test person's name, number or words."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from bot import logs

# The names, numbers and words the tests' people use (tests/support and the tests).
NAMES = ("Amina", "Layla", "Nadia", "Carol", "Hodan", "Bilal", "Yusuf", "Tom", "Sam", "Zainab",
         "Okonkwo")
NUMBERS = ("7700900", "612345678", "601234567")
WORDS = ("Black mould", "Elm Street", "broken lift", "Damp everywhere", "cooking class",
         "Good questions about sugar", "chest pain", "having a stroke", "husband hits me",
         "at risk now", "the survey", "council never replies", "asked about sugar")
PERSONAL = re.compile("|".join(
    [rf"\b{name}\b" for name in NAMES] + [re.escape(n) for n in NUMBERS]
    + [re.escape(w) for w in WORDS]), re.IGNORECASE)


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.formats = (logs.formatter("text"), logs.formatter("json"))

    def emit(self, record: logging.LogRecord) -> None:
        for formatter in self.formats:
            self.lines.append(formatter.format(record))


def leaks(lines: list[str]) -> list[str]:
    return [line for line in lines if PERSONAL.search(line)]


@contextmanager
def capturing() -> Iterator[Captured]:
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in logs.QUIET}
    handler = Captured()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in logs.QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)
