"""What the Bot API checks before it accepts a message: HTML entities, text length,
keyboards and callback data, command lists. Errors carry Telegram's own wording."""

from __future__ import annotations

import html
import re
from typing import Any

MAX_TEXT = 4096  # after entities are parsed, in UTF-16 code units
MAX_CAPTION = 1024
MAX_DATA_BYTES = 64
MAX_BUTTONS = 100
MAX_ROW = 8

_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "code": "code", "pre": "pre", "a": "text_link",
    "tg-spoiler": "spoiler", "span": "spoiler", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TOKEN = re.compile(
    r"<(?P<close>/?)(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>(?:\s[^<>]*)?)>"
    r"|&(?P<entity>#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);"
    r"|(?P<bare>[<>&])"
)


class BadRequest(Exception):
    """A 400 answer; the message is Telegram's description."""


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """The text as the person sees it, and its entities; BadRequest like Telegram's."""
    plain: list[str] = []
    entities: list[dict[str, Any]] = []
    open_tags: list[tuple[str, int, str]] = []  # tag, offset, attributes
    position = 0
    for match in _TOKEN.finditer(text):
        plain.append(text[position:match.start()])
        position = match.end()
        offset = units("".join(plain))
        if match["bare"]:
            byte = len(text[:match.start()].encode())
            raise BadRequest(f"Bad Request: can't parse entities: Unsupported start tag or "
                             f"unescaped character at byte offset {byte}")
        if match["entity"]:
            plain.append(html.unescape(match.group(0)))
            continue
        tag = match["tag"].lower()
        if tag not in _TAGS:
            raise BadRequest(f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"')
        if not match["close"]:
            open_tags.append((tag, offset, match["attrs"] or ""))
            continue
        if not open_tags or open_tags[-1][0] != tag:
            raise BadRequest(f'Bad Request: can\'t parse entities: Unmatched end tag "{tag}"')
        _, start, _attrs = open_tags.pop()
        if offset > start:
            entities.append({"type": _TAGS[tag], "offset": start, "length": offset - start})
    if open_tags:
        raise BadRequest(f"Bad Request: can't parse entities: Can't find end tag corresponding "
                         f'to start tag "{open_tags[-1][0]}"')
    plain.append(text[position:])
    return "".join(plain), entities


def message_text(text: Any, parse_mode: Any, limit: int = MAX_TEXT,
                 empty_ok: bool = False) -> tuple[str, list[dict[str, Any]]]:
    if not isinstance(text, str):
        raise BadRequest("Bad Request: message text is empty")
    if parse_mode not in (None, "HTML"):
        raise BadRequest(f"Bad Request: unsupported parse_mode {parse_mode!r} in this server")
    plain, entities = parse_html(text) if parse_mode == "HTML" else (text, [])
    if not plain.strip() and not empty_ok:
        raise BadRequest("Bad Request: message text is empty")
    if units(plain) > limit:
        raise BadRequest("Bad Request: message is too long")
    return plain, entities


def inline_keyboard(markup: Any) -> list[list[dict[str, Any]]] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        raise BadRequest("Bad Request: can't parse reply keyboard markup JSON object")
    rows: list[list[dict[str, Any]]] = markup["inline_keyboard"]
    if sum(len(row) if isinstance(row, list) else 0 for row in rows) > MAX_BUTTONS:
        raise BadRequest("Bad Request: too many inline keyboard buttons")
    for row in rows:
        if not isinstance(row, list) or not row or len(row) > MAX_ROW:
            raise BadRequest("Bad Request: inline keyboard row is empty or too long")
        for button in row:
            _button(button)
    return rows


def _button(button: Any) -> None:
    if not isinstance(button, dict) or not str(button.get("text", "")).strip():
        raise BadRequest("Bad Request: inline keyboard button text is empty")
    actions = [key for key in ("callback_data", "url", "switch_inline_query", "pay",
                               "web_app", "login_url", "copy_text") if key in button]
    if len(actions) != 1:
        raise BadRequest("Bad Request: inline keyboard button must have exactly one action")
    data = button.get("callback_data")
    if data is not None and not 1 <= len(str(data).encode()) <= MAX_DATA_BYTES:
        raise BadRequest("Bad Request: BUTTON_DATA_INVALID")


def scope_chat(scope: Any) -> int | None:
    """The chat a BotCommandScope names (type "chat"); None for the scopes of everyone."""
    if scope is None or scope.get("type") in ("default", "all_private_chats"):
        return None
    if scope.get("type") != "chat" or not str(scope.get("chat_id", "")).lstrip("-").isdigit():
        raise BadRequest("Bad Request: can't parse BotCommandScope")
    return int(scope["chat_id"])


def commands(value: Any, language_code: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or len(value) > 100:
        raise BadRequest("Bad Request: commands must be a list of at most 100")
    if language_code not in (None, "") and not re.fullmatch(r"[a-z]{2}", str(language_code)):
        raise BadRequest("Bad Request: invalid language code")
    for command in value:
        name = str(command.get("command", ""))
        description = str(command.get("description", ""))
        if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
            raise BadRequest("Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise BadRequest("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    return value
