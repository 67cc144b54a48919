"""Outbox rows out to Telegram, within its limits, with its errors mapped to send results.

One row may take several calls: closing keyboards answered since the last
message, media, then the text in parts. So the sender paces each call itself
(the dispatcher leaves a sender with its own pacer to it): new messages keep
the gap per chat, edits count only towards the overall rate.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram import Message as TelegramMessage
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
)

from bot.channels.base import (
    Delivered,
    Limits,
    Outgoing,
    Rejected,
    RetryLater,
    SendResult,
    Unreachable,
)
from bot.channels.telegram import keyboards, render
from bot.channels.telegram.keyboards import Drawn, Screens
from bot.channels.telegram.updates import CHANNEL
from bot.pacing import Pacer
from flows.types import Media

log = logging.getLogger(__name__)

# Telegram allows about 30 messages a second overall and one a second per chat.
LIMITS = Limits(per_second=30, per_address_interval=1.0)
NOT_MODIFIED = "message is not modified"
NO_PREVIEWS = LinkPreviewOptions(is_disabled=True)  # little data on cheap phones


def retry_after_seconds(error: RetryAfter) -> float:
    value = error.retry_after  # a timedelta (see this package's __init__), else seconds
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def result_of(error: TelegramError) -> SendResult:
    """What a Telegram error means for the outbox row."""
    if isinstance(error, RetryAfter):
        seconds = retry_after_seconds(error)
        return RetryLater(f"429 flood control: retry after {seconds:g}s", after=seconds)
    if isinstance(error, Forbidden):
        return Unreachable(f"403 {error.message}")
    if isinstance(error, ChatMigrated | BadRequest):
        return Rejected(f"400 {error.message}")
    return RetryLater(f"{type(error).__name__}: {error.message}")


class TelegramSender:
    channel = CHANNEL
    limits = LIMITS

    def __init__(self, bot: Bot, screens: Screens, pacer: Pacer | None = None) -> None:
        self.bot = bot
        self.screens = screens
        self.pacer = pacer or Pacer(self.limits)
        self.limits = self.pacer.limits
        # Parts of a row already delivered, so a retry after a failure half-way does
        # not send them twice (kept in memory: a restart may repeat a part).
        self.progress: dict[int, int] = {}

    async def send(self, message: Outgoing) -> SendResult:
        chat = message.address
        pressed = self.screens.take_pressed(chat)
        try:
            sent = await self._send(message, pressed)
        except TelegramError as error:
            self.screens.put_back(chat, pressed)
            result = result_of(error)
            if not isinstance(result, RetryLater):
                self.progress.pop(message.id, None)
            return result
        except keyboards.ButtonTooLong as error:
            return Rejected(f"button data too long for choice {error}")
        self.progress.pop(message.id, None)
        return Delivered(str(sent) if sent else None)

    async def _send(self, message: Outgoing, pressed: set[int]) -> int:
        """Deliver the row; the id of the last message it left in the chat. ``pressed``
        keeps the pressed keyboards not yet dealt with, should a call fail."""
        reply, chat = message.reply, message.address
        texts = render.parts(reply.text, reply.language)
        markup = keyboards.markup(reply, keyboards.tag(message.id))
        drawn = await self.screens.drawn(chat)
        redraw = drawn if (drawn is not None and drawn.message_id in pressed and reply.multi
                           and reply.question is not None and drawn.question == reply.question
                           and len(texts) == 1 and not reply.media) else None
        # Pressed keyboards were answered; a new question replaces the one on screen.
        stale = set(pressed)
        if drawn is not None and reply.question is not None:
            stale.add(drawn.message_id)
        for message_id in sorted(stale - {redraw.message_id} if redraw else stale):
            await self._close(chat, message_id)
            pressed.discard(message_id)
            if drawn is not None and message_id == drawn.message_id:
                self.screens.draw(chat, None)
        if redraw is not None:
            redrawn = await self._redraw(chat, redraw.message_id, texts[0], markup)
            pressed.discard(redraw.message_id)
            if redrawn:
                return redraw.message_id
            await self._close(chat, redraw.message_id)
            self.screens.draw(chat, None)
        if not texts and markup is not None:
            texts = ["…"]  # Telegram needs some text to hang buttons on
        last = await self._post(message, texts, markup, reply.media)
        if markup is not None:
            self.screens.draw(chat, Drawn(last, reply.question))
        return last

    async def _post(self, message: Outgoing, texts: list[str],
                    markup: InlineKeyboardMarkup | None, media: tuple[Media, ...]) -> int:
        chat = message.address
        calls: list[Media | str] = [*media, *texts]
        done = self.progress.get(message.id, 0)
        last = 0
        for index, item in enumerate(calls):
            if index < done:
                continue
            async with self.pacer.turn(chat, message.bulk):
                if isinstance(item, Media):
                    sent = await self._media(chat, item)
                else:
                    final = index == len(calls) - 1
                    sent = await self.bot.send_message(
                        chat, item, parse_mode=render.PARSE_MODE,
                        reply_markup=markup if final else None,
                        link_preview_options=NO_PREVIEWS)
            last = sent.message_id
            self.progress[message.id] = index + 1
        return last

    async def _media(self, chat: str, media: Media) -> TelegramMessage:
        if media.kind == "photo":
            return await self.bot.send_photo(chat, media.ref)
        if media.kind == "voice":
            return await self.bot.send_voice(chat, media.ref)
        if media.kind == "audio":
            return await self.bot.send_audio(chat, media.ref)
        if media.kind == "video":
            return await self.bot.send_video(chat, media.ref)
        return await self.bot.send_document(chat, media.ref)

    async def _close(self, chat: str, message_id: int) -> None:
        """Take the buttons off an answered question, so they cannot be pressed again."""
        try:
            async with self.pacer.turn(None):
                await self.bot.edit_message_reply_markup(chat, message_id, reply_markup=None)
        except BadRequest as error:  # already closed, or too old to edit: nothing to do
            log.info("keyboard in chat %s not closed: %s", chat, error.message)

    async def _redraw(self, chat: str, message_id: int, text: str,
                      markup: InlineKeyboardMarkup | None) -> bool:
        """Show a multi-choice question's new ticks on the same message; False if it can't."""
        try:
            async with self.pacer.turn(None):
                await self.bot.edit_message_text(text, chat, message_id,
                                                 parse_mode=render.PARSE_MODE,
                                                 reply_markup=markup,
                                                 link_preview_options=NO_PREVIEWS)
        except BadRequest as error:
            if NOT_MODIFIED in error.message.lower():
                return True
            log.info("keyboard in chat %s not redrawn (%s): sending it anew", chat,
                     error.message)
            return False
        return True
