"""Telegram updates in: each becomes one Inbound on the one path (bot.services.inbound).

Dedupe keys: a message is ``chat:message_id``; a button press is
``chat:message_id:callback_data`` (the data names the drawing of the keyboard,
so a double tap is one answer); an edit is ``chat:message_id:edit:<edit_date>``.
Whether it arrives by polling, by webhook or twice, it is handled once.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.app import App
from bot.channels.telegram import keyboards
from bot.channels.telegram.screens import Screens
from bot.services.inbound import Handled, apologise, handle, notify
from flows.i18n import _
from flows.types import MAX_INBOUND_TEXT, Inbound, Location, Media

log = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")


def from_message(message: Message, now: datetime) -> Inbound:
    chat = str(message.chat.id)
    text = message.text if message.text is not None else message.caption
    return Inbound(
        channel=CHANNEL,
        address=chat,
        message_id=f"{chat}:{message.message_id}",
        received_at=now,
        text=text[:MAX_INBOUND_TEXT] if text is not None else None,
        truncated=text is not None and len(text) > MAX_INBOUND_TEXT,
        location=_location(message),
        media=_media(message),
        language_hint=message.from_user.language_code if message.from_user else None,
    )


def _location(message: Message) -> Location | None:
    if message.venue is not None:
        where = message.venue.location
        return Location(where.latitude, where.longitude, message.venue.title)
    if message.location is not None:
        return Location(message.location.latitude, message.location.longitude)
    return None


def _media(message: Message) -> tuple[Media, ...]:
    """Attachments kept by file_id; the largest size of a photo."""
    if message.photo:
        return (Media("photo", message.photo[-1].file_id, "image/jpeg"),)
    for kind, item in (("voice", message.voice), ("audio", message.audio),
                       ("video", message.video), ("document", message.document)):
        if item is not None:
            return (Media(kind, item.file_id, getattr(item, "mime_type", None)),)
    if message.video_note is not None:
        return (Media("video", message.video_note.file_id, "video/mp4"),)
    return ()


def from_press(query: CallbackQuery, press: keyboards.Press, now: datetime) -> Inbound | None:
    message = query.message
    if message is None:
        return None
    chat = str(message.chat.id)
    return Inbound(
        channel=CHANNEL,
        address=chat,
        message_id=f"{chat}:{message.message_id}:{query.data}",
        received_at=now,
        choice_id=press.choice,
        choice_question=press.question,
        language_hint=query.from_user.language_code,
    )


def _edited_politely() -> str:
    return _("Sorry, I can't read changes to a message. Please send it again as a new message.")


class Updates:
    """The handlers python-telegram-bot calls; conversations are ours, not its."""

    def __init__(self, app: App, screens: Screens) -> None:
        self.app = app
        self.screens = screens

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return  # the bot talks with one person at a time, never in groups
        if update.callback_query is not None:
            await self.on_press(update.callback_query)
        elif update.edited_message is not None:
            await self.on_edit(update.edited_message)
        elif update.message is not None:
            await handle(self.app, from_message(update.message, self.app.clock()))

    async def on_press(self, query: CallbackQuery) -> None:
        try:
            await query.answer()  # at once, so the button stops spinning
        except TelegramError as error:
            log.warning("could not answer callback query: %s", error)
        press = keyboards.parse(query.data)
        inbound = from_press(query, press, self.app.clock()) if press else None
        if press is None or inbound is None or query.message is None:
            log.info("ignored a press with unreadable data in chat %s", query.from_user.id)
            return
        # Noted before handling, so the reply that follows closes (or redraws) this keyboard.
        await self.screens.press(inbound.address, query.message.message_id)
        if await handle(self.app, inbound) is Handled.DUPLICATE:
            # A double tap or a repeated update: no reply answers it (see screens.py).
            await self.screens.unpress(inbound.address, query.message.message_id)

    async def on_edit(self, message: Message) -> None:
        inbound = from_message(message, self.app.clock())
        stamp = int(message.edit_date.timestamp()) if message.edit_date else 0
        key = f"{inbound.message_id}:edit:{stamp}"
        result = await notify(self.app, replace(inbound, message_id=key), _edited_politely)
        if result is Handled.DUPLICATE:
            log.info("duplicate edit in chat %s ignored", inbound.address)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A failure in our Telegram code (handle() has its own): logged, and the person told."""
        chat = update.effective_chat if isinstance(update, Update) else None
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram update %s failed", update_id, exc_info=context.error)
        if chat is not None:
            user = update.effective_user if isinstance(update, Update) else None
            await apologise(self.app, Inbound(
                channel=CHANNEL, address=str(chat.id), message_id=f"error:{update_id}",
                received_at=self.app.clock(),
                language_hint=user.language_code if user else None))
