"""Replies as plain text, for channels without buttons (console, WhatsApp)."""

from __future__ import annotations

from flows.i18n import _, language
from flows.languages import is_rtl
from flows.types import Reply

RLM = "\u200f"  # keeps numbered lines right-to-left in Arabic and Urdu


def render(reply: Reply) -> str:
    if not reply.choices:
        return reply.text
    lines = [reply.text, ""]
    if reply.numbered:
        lead = RLM if is_rtl(reply.language) else ""
        for number, choice in enumerate(reply.choices, start=1):
            mark = ""
            if reply.multi and choice.id not in ("done", "skip"):
                mark = "[x] " if choice.selected else "[ ] "
            lines.append(f"{lead}{number}. {mark}{choice.label}")
    else:
        with language(reply.language):
            words = ", ".join(choice.label.upper() for choice in reply.choices)
            lines.append(_("(or send: {words})", words=words))
    return "\n".join(lines)
