"""What one outbox message becomes on WhatsApp: free-form parts, or an approved template."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.channels import plain
from bot.channels.base import Outgoing
from bot.channels.whatsapp.templates import Filled, Templates, fill
from bot.services import media_links
from flows.types import Reply

STORED = media_links.STORED_PREFIX
MAX_MEDIA = 10  # Twilio takes up to ten media URLs on one message
# Twilio refuses WhatsApp bodies over 1,600 characters (counted in UTF-16 units).
LIMIT = 1600
# A question template carries the question in one variable; past this, plain text is safer.
VARIABLE_LIMIT = 1024


@dataclass(frozen=True)
class Part:
    """One message to Twilio: a body (with media), or a Content template."""

    body: str | None = None
    media_urls: tuple[str, ...] = ()
    template: Filled | None = None


def session_parts(reply: Reply, templates: Templates, programme: str,
                  media_url: Callable[[str], str | None] | None = None) -> list[Part]:
    """Inside the 24 hours: a question's quick-reply template, or numbered text in parts."""
    chosen = templates.for_question(reply.question, reply.language) if (
        reply.question and reply.choices) else None
    if chosen is not None and _units(reply.text) <= VARIABLE_LIMIT:
        try:
            return [Part(template=fill(chosen, {"text": reply.text, "programme": programme}))]
        except KeyError:
            pass  # a variable we can't fill: the numbered lines still work
    # Only public links can be sent as media; platform file ids (Telegram's) cannot. A
    # file we keep goes as a signed link to it, which Twilio fetches (``media_url``).
    media = tuple(url for url in (
        (media_url(m.ref) if media_url else None) if m.ref.startswith(STORED)
        else m.ref if m.ref.startswith("https://") else None
        for m in reply.media) if url)[:MAX_MEDIA]
    chunks = split(plain.render(reply))
    return [Part(body=chunk, media_urls=media if index == 0 else ())
            for index, chunk in enumerate(chunks)]


def announcement(message: Outgoing, templates: Templates, programme: str) -> Filled | str:
    """Outside the 24 hours: the approved template for this purpose, or why there is none."""
    kind, language = message.kind, message.reply.language
    chosen = templates.for_purpose(kind, language)
    if chosen is None:
        return f"outside the 24-hour window; no template for {kind} in {language}"
    values: Mapping[str, str] = {"programme": programme, **message.values}
    try:
        return fill(chosen, values)
    except KeyError as missing:
        return f"the template for {kind} in {language} needs {missing}"


def split(text: str, limit: int = LIMIT) -> list[str]:
    """Pieces under the limit, cut at a paragraph, a line or a space where possible."""
    pieces: list[str] = []
    rest = text
    while _units(rest) > limit:
        cut = _cut(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return [piece for piece in pieces if piece] or [text]


def _cut(text: str, limit: int) -> int:
    fits, used = 0, 0
    for char in text:
        used += _units(char)
        if used > limit:
            break
        fits += 1
    window = text[:fits]
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at > fits // 2:  # not so early that the pieces become tiny
            return at
    return max(fits, 1)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
