"""People in private chats with the bot, as the tests play them: they say things, press
buttons, share places and photos, and wait to see what the bot answers."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tests.support.telegram_messages import Sent, envelope, message_json, shown

if TYPE_CHECKING:
    from tests.support.telegram_server import FakeTelegram


class Person:
    """Someone in a private chat with the bot, as the tests play them."""

    def __init__(self, server: FakeTelegram, chat_id: int, first_name: str,
                 language_code: str | None) -> None:
        self.server = server
        self.chat_id = chat_id
        self.user = {"id": chat_id, "is_bot": False, "first_name": first_name}
        if language_code:
            self.user["language_code"] = language_code
        self.mark = 0
        self.last_update: tuple[int, dict[str, Any]] | None = None
        self.last_message_id = 0  # of what this person last sent

    # -- acting --------------------------------------------------------------

    async def says(self, text: str, **extra: Any) -> int:
        body: dict[str, Any] = {"text": text, **extra}
        if text.startswith("/"):
            command = text.split()[0]
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self._send(body)

    async def shares_location(self, latitude: float, longitude: float) -> int:
        return await self._send({"location": {"latitude": latitude, "longitude": longitude}})

    async def sends_photo(self, caption: str | None = None) -> int:
        file_id = f"photo-{self.chat_id}-{len(self.server.files)}"
        self.server.files[file_id] = b"\xff\xd8 a small photo"
        body: dict[str, Any] = {"photo": [{"file_id": file_id, "file_unique_id": f"u{file_id}",
                                           "width": 1280, "height": 960}]}
        if caption:
            body["caption"] = caption
        return await self._send(body)

    async def sends_voice(self) -> int:
        file_id = f"voice-{self.chat_id}-{len(self.server.files)}"
        self.server.files[file_id] = b"OggS a short voice note"
        return await self._send({"voice": {"file_id": file_id, "file_unique_id": f"u{file_id}",
                                           "duration": 4, "mime_type": "audio/ogg"}})

    async def edits(self, message_id: int, text: str) -> int:
        data = message_json(Sent(message_id, self.chat_id, text, from_bot=False), self.user)
        data["edit_date"] = int(time.time())
        return await self._update({"edited_message": data})

    async def presses(self, label: str, message: Sent | None = None) -> int:
        """Press the button labelled ``label`` on ``message`` (default: the latest message
        with it, once it is on screen)."""
        if message is None:
            await self.server.wait_until(lambda: self._showing(label),
                                         what=f"a button {label!r} in:\n{self.transcript()}")
            message = self.message_with(label)
        button = next(b for row in message.keyboard or [] for b in row
                      if shown(b["text"]).removeprefix("✓ ") == label)
        query_id = f"q{len(self.server.queries) + 1}"
        self.server.queries.add(query_id)
        return await self._update({"callback_query": {
            "id": query_id, "from": self.user, "chat_instance": f"ci{self.chat_id}",
            "message": message_json(message), "data": button["callback_data"]}})

    async def _send(self, body: dict[str, Any]) -> int:
        sent = Sent(self.server.next_message_id(self.chat_id), self.chat_id,
                    str(body.get("text", "")), from_bot=False)
        self.server.chats[self.chat_id].append(sent)
        self.last_message_id = sent.message_id
        data = {**envelope(sent.message_id, self.chat_id, self.user), **body}
        return await self._update({"message": data})

    async def _update(self, body: dict[str, Any]) -> int:
        self.mark = len(self.server.log[self.chat_id])
        update_id = await self.server.add_update(body)
        self.last_update = (update_id, body)
        return update_id

    async def repeats_last_update(self) -> int:
        """The last update delivered again, with the same update_id (a retried webhook)."""
        assert self.last_update is not None
        update_id, body = self.last_update
        self.mark = len(self.server.log[self.chat_id])
        await self.server.redeliver(update_id, body)
        return update_id

    # -- seeing --------------------------------------------------------------

    @property
    def messages(self) -> list[Sent]:
        return [m for m in self.server.chats[self.chat_id] if m.from_bot]

    @property
    def latest(self) -> Sent:
        return self.messages[-1]

    def _showing(self, label: str) -> bool:
        return any(label in [b.removeprefix("✓ ") for b in m.buttons()] for m in self.messages)

    def message_with(self, label: str) -> Sent:
        """The latest message with that button, as it is on screen now (a copy: what
        happens to the message later does not change it, as on a phone slow to update)."""
        for message in reversed(self.messages):
            if label in [b.removeprefix("✓ ") for b in message.buttons()]:
                return Sent(**vars(message))
        raise AssertionError(f"no button {label!r} in:\n{self.transcript()}")

    def keyboards(self) -> list[list[str]]:
        """The buttons still on screen, message by message (those with any)."""
        return [m.buttons() for m in self.messages if m.keyboard]

    def since_last_action(self) -> str:
        """What the bot showed since this person last did something: texts and buttons."""
        return "\n\n".join(shown(m.text) + "".join(f"\n[{b}]" for b in m.buttons())
                           for m in self.server.log[self.chat_id][self.mark:])

    async def sees(self, *fragments: str) -> str:
        """Wait until the bot's messages since this person's last action show every fragment."""
        wanted = [shown(f) for f in fragments]

        def seen() -> bool:
            said = self.since_last_action()
            return all(f in said for f in wanted)

        try:
            await self.server.wait_until(seen)
        except AssertionError:
            raise AssertionError(f"expected {wanted} after the last action; the chat:\n"
                                 f"{self.transcript()}") from None
        return self.since_last_action()

    def transcript(self) -> str:
        lines = []
        for m in self.server.chats[self.chat_id]:
            who = "bot" if m.from_bot else "person"
            lines.append(f"[{who} #{m.message_id}] {shown(m.text)} {m.buttons() or ''}")
        return "\n".join(lines)
