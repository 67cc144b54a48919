"""Inline keyboards: what a button carries, how buttons are laid out, and which were pressed.

A button's callback data is ``question|choice|tag``: the question ("flow.step")
lets the engine tell an old keyboard from the current one; the tag (the outbox
row that drew the keyboard) makes each drawing of a keyboard distinct, so a
double tap on one drawing is the same message twice (ignored), while pressing
a toggle again on a redrawn keyboard is a new answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from flows.languages import RLM, is_rtl
from flows.types import Choice, Reply

log = logging.getLogger(__name__)

MAX_DATA_BYTES = 64  # Telegram's limit; python-telegram-bot does not check it
EXTRAS = ("skip", "done")  # shown on a row of their own, after the options
SELECTED = "✓ "


class ButtonTooLong(ValueError):
    """A choice id that cannot fit in a button at all (the engine keeps them to 32 bytes)."""


@dataclass(frozen=True)
class Press:
    question: str | None
    choice: str


def tag(outbox_id: int) -> str:
    """A short, distinct mark for one drawing of a keyboard."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    number = max(outbox_id, 0)
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def data_for(question: str | None, choice: str, drawing: str) -> str:
    data = f"{question or ''}|{choice}|{drawing}"
    if len(data.encode()) <= MAX_DATA_BYTES:
        return data
    # Without the question the engine cannot spot an old button, but the press still works.
    log.warning("question %r is too long for button data; sent without it", question)
    data = f"|{choice}|{drawing}"
    if len(data.encode()) > MAX_DATA_BYTES:
        raise ButtonTooLong(choice)
    return data


def parse(data: str | None) -> Press | None:
    if not data:
        return None
    question, found, rest = data.partition("|")
    choice, found_tag, _drawing = rest.rpartition("|")
    if not found or not found_tag or not choice:
        return None
    return Press(question or None, choice)


def label(choice: Choice, reply: Reply) -> str:
    text = choice.label
    if reply.multi and choice.selected:
        text = SELECTED + text
    return RLM + text if is_rtl(reply.language) else text


def markup(reply: Reply, drawing: str) -> InlineKeyboardMarkup | None:
    """The reply's choices as buttons (extras such as Skip too, even on typed questions)."""
    if not reply.choices:
        return None

    def button(choice: Choice) -> InlineKeyboardButton:
        return InlineKeyboardButton(label(choice, reply),
                                    callback_data=data_for(reply.question, choice.id, drawing))

    options = [c for c in reply.choices if c.id not in EXTRAS and not c.id.startswith("/")]
    extras = [c for c in reply.choices if c not in options]
    rows = _rows([button(c) for c in options])
    if extras:
        rows.append([button(c) for c in extras])
    return InlineKeyboardMarkup(rows)


def _rows(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """Short labels side by side (Yes | No, languages two a row); long ones one a row."""
    longest = max((len(b.text) for b in buttons), default=0)
    if len(buttons) <= 3 and longest <= 12:
        width = 3
    elif longest <= 18:
        width = 2
    else:
        width = 1
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]
