"""Opt-out and opt-in words: Twilio does not honour them on WhatsApp, so we do.

A message that is nothing but one of these words becomes the engine's stop or
start command (``choice_id`` "/stop" or "/start"), whatever question is open.
The words are the catalog's own stop and start words in every language, plus
the English words people know from text messages. CANCEL is one of those: on
WhatsApp it opts out rather than abandoning a form, because a person who
means "stop messaging me" must never be kept on; someone who only meant the
form gets one confirmation saying how to carry on (START).
"""

from __future__ import annotations

from functools import cache

from flows.commands import GLOBAL
from flows.i18n import in_every_language
from flows.text import fold, word_list

STOP_WORDS = ("stop", "stopall", "unsubscribe", "cancel", "end", "quit")
# A bare JOIN resumes; "JOIN <code>" is an invitation and stays text for the engine.
START_WORDS = ("start", "unstop", "join")


@cache
def _commands() -> dict[str, str]:
    words: dict[str, str] = {}
    for name, english in (("stop", STOP_WORDS), ("start", START_WORDS)):
        for translated in in_every_language(*GLOBAL[name]).values():
            for word in word_list(translated):
                words.setdefault(word, f"/{name}")
        for word in english:
            words.setdefault(fold(word), f"/{name}")
    return words


def command_for(text: str | None) -> str | None:
    """"/stop" or "/start" when the whole message is an opt-out or opt-in word."""
    if not text or len(text) > 40:
        return None
    return _commands().get(fold(text))
