"""Replies as plain text, for channels without buttons (console, WhatsApp)."""

from __future__ import annotations

from flows.i18n import _, language
from flows.languages import directed
from flows.types import Reply


def render(reply: Reply) -> str:
    """The reply and its numbered choices; in Arabic and Urdu every line marked to read
    right to left (``directed``), a numbered one or one opening with a reference alike."""
    if not reply.choices:
        return directed(reply.text, reply.language)
    lines = [reply.text, ""]
    if reply.numbered:
        for number, choice in enumerate(reply.choices, start=1):
            mark = ""
            if reply.multi and choice.id not in ("done", "skip"):
                mark = "[x] " if choice.selected else "[ ] "
            lines.append(f"{number}. {mark}{choice.label}")
    else:
        with language(reply.language):
            words = ", ".join(choice.label.upper() for choice in reply.choices)
            lines.append(_("(or send: {words})", words=words))
    return directed("\n".join(lines), reply.language)
