"""Messages as the local Bot API server keeps them and as the Bot API shows them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

BOT = {"id": 999, "is_bot": True, "first_name": "Champbot", "username": "champbot_test_bot",
       "can_join_groups": False, "can_read_all_group_messages": False,
       "supports_inline_queries": False}
RLM = "\u200f"


@dataclass
class Sent:
    """A message in a chat, as it stands now."""

    message_id: int
    chat_id: int
    text: str
    keyboard: list[list[dict[str, Any]]] | None = None
    from_bot: bool = True
    kind: str = "text"
    file_id: str | None = None
    edited: bool = False

    def buttons(self) -> list[str]:
        return [shown(b["text"]) for row in self.keyboard or [] for b in row]


def shown(text: str) -> str:
    """A label or text as read, without direction marks."""
    return text.replace(RLM, "")


def envelope(message_id: int, chat_id: int, sender: dict[str, Any]) -> dict[str, Any]:
    return {"message_id": message_id, "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Person"}, "from": sender}


def message_json(sent: Sent, user: dict[str, Any] | None = None) -> dict[str, Any]:
    data = envelope(sent.message_id, sent.chat_id, user or BOT)
    if sent.kind == "text":
        data["text"] = sent.text
    elif sent.kind == "photo":
        data["photo"] = [{"file_id": sent.file_id, "file_unique_id": f"u{sent.file_id}",
                          "width": 640, "height": 480}]
    else:
        data[sent.kind] = {"file_id": sent.file_id, "file_unique_id": f"u{sent.file_id}",
                           "duration": 3, "mime_type": "audio/ogg"}
    if sent.keyboard:
        data["reply_markup"] = {"inline_keyboard": sent.keyboard}
    if sent.edited:
        data["edit_date"] = int(time.time())
    return data
