"""Outbox rows out to Telegram, within its limits, with its errors mapped to send results.

One row may take several calls: closing keyboards answered since the last
message, then the text in parts and the media (see ``plan``). So the sender paces
each call itself (the dispatcher leaves a sender with its own pacer to it): new
messages keep the gap per chat, edits count only towards the overall rate.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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
from bot.channels.parts import Parts
from bot.channels.telegram import keyboards, render
from bot.channels.telegram.screens import KEEP, Drawn, Keep, Screens
from bot.channels.telegram.updates import CHANNEL
from bot.pacing import Pacer
from bot.services import media_links
from flows.types import Media

log = logging.getLogger(__name__)

# Telegram allows about 30 messages a second overall and one a second per chat, "short
# bursts" over it allowed: a reply of up to three messages goes at once, then one a second.
LIMITS = Limits(per_second=30, per_address_interval=1.0, per_address_burst=3)
NOT_MODIFIED = "message is not modified"
NO_PREVIEWS = LinkPreviewOptions(is_disabled=True)  # little data on cheap phones
INLINE_PNG = "data:image/png;base64,"  # a picture carried in the outbox row itself
STORED = media_links.STORED_PREFIX  # a kept attachment, read from the media store
PHOTO_UPLOAD_LIMIT = 10 * 1024 * 1024  # larger pictures go as documents (up to 50 MB)
StoredFiles = Callable[[str], Awaitable[media_links.Loaded | None]]
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png",
              "audio/ogg": "ogg", "audio/mpeg": "mp3", "video/mp4": "mp4"}


def _file_name(content_type: str) -> str:
    return "file." + EXTENSIONS.get(content_type, "bin")


@dataclass(frozen=True)
class Captioned:
    """A file sent with the row's text as its caption: one message, read as one."""

    media: Media
    caption: str  # escaped HTML, as render.parts gives it


Call = Media | Captioned | str  # one platform call of a row: a file, both, or a text part


def plan(texts: list[str], media: tuple[Media, ...], caption_fits: bool,
         keyboard: bool) -> list[Call]:
    """The calls a row takes, in order. The words say what a file is ("A file sent with
    concern C-1001:"), so they come with it or before it, as on WhatsApp (where they are
    the body of the message carrying the media): one file and a text short enough for a
    caption go as one message; otherwise the text, then the files. Buttons stay on a text
    message (a multi-choice question is redrawn with editMessageText) and on the last one
    (the screen keeps its id, and the question stays under what it asks about): a message
    with buttons has its files first."""
    if keyboard:
        return [*media, *texts]
    if len(media) == 1 and len(texts) == 1 and caption_fits:
        return [Captioned(media[0], texts[0])]
    return [*texts, *media]


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

    def __init__(self, bot: Bot, screens: Screens, parts: Parts,
                 pacer: Pacer | None = None, stored: StoredFiles | None = None) -> None:
        self.bot = bot
        self.stored = stored  # reads a kept attachment named by a ``stored:`` ref
        self.screens = screens
        # Parts of a row already delivered (in the database), so a retry after a failure
        # half-way, by this process or another, does not send them twice.
        self.parts = parts
        self.pacer = pacer or Pacer(self.limits)
        self.limits = self.pacer.limits

    async def send(self, message: Outgoing) -> SendResult:
        try:
            sent = await self._send(message)
        except TelegramError as error:
            result = result_of(error)
            if not isinstance(result, RetryLater):
                await self.parts.finish(message)
            return result
        except keyboards.ButtonTooLong as error:
            return Rejected(f"button data too long for choice {error}")
        await self.parts.finish(message)
        return Delivered(str(sent) if sent else None)

    async def _send(self, message: Outgoing) -> int:
        """Deliver the row; the id of the last message it left in the chat. Pressed
        keyboards are forgotten only once closed or redrawn, should a call fail."""
        reply, chat = message.reply, message.address
        texts = render.parts(reply.text, reply.language)
        markup = keyboards.markup(reply, keyboards.tag(message.id))
        drawn, pressed = await self.screens.look(chat)
        redraw = drawn if (drawn is not None and drawn.message_id in pressed and reply.multi
                           and reply.question is not None and drawn.question == reply.question
                           and len(texts) == 1 and not reply.media) else None
        # Pressed keyboards were answered; a new question replaces the one on screen.
        stale = set(pressed)
        if drawn is not None and reply.question is not None:
            stale.add(drawn.message_id)
        # What this message did to the screen is written once, at the end (or when a call
        # fails): closing a keyboard twice after a crash is harmless (see _close).
        dealt: list[int] = []  # closed: every press of them answered
        redrawn: int | None = None  # redrawn: one press answered (see screens.py)
        screen: Drawn | Keep | None = KEEP
        try:
            for message_id in sorted(stale - {redraw.message_id} if redraw else stale):
                await self._close(chat, message_id)
                dealt.append(message_id)
                if drawn is not None and message_id == drawn.message_id:
                    screen = None
            if redraw is not None:
                if await self._redraw(chat, redraw.message_id, texts[0], markup):
                    redrawn = redraw.message_id
                    return redraw.message_id
                dealt.append(redraw.message_id)
                await self._close(chat, redraw.message_id)
                screen = None
            if not texts and markup is not None:
                texts = ["…"]  # Telegram needs some text to hang buttons on
            fits = len(reply.media) == 1 and len(
                render.parts(reply.text, reply.language, render.CAPTION_LIMIT)) == 1
            last = await self._post(message, plan(texts, reply.media, fits, markup is not None),
                                    markup)
            if markup is not None:
                screen = Drawn(last, reply.question)
            return last
        finally:
            await self.screens.settle(chat, dealt, screen, redrawn=redrawn)

    async def _post(self, message: Outgoing, calls: list[Call],
                    markup: InlineKeyboardMarkup | None) -> int:
        """Make the calls not made yet (a retried row resumes after the last that went)."""
        chat = message.address
        done = await self.parts.done(message)
        last = 0
        for index, item in enumerate(calls):
            if index < done:
                continue
            sent: TelegramMessage | None
            async with self.pacer.turn(chat, message.bulk):
                if isinstance(item, str):
                    final = index == len(calls) - 1
                    sent = await self._text(chat, item, markup if final else None)
                elif isinstance(item, Captioned):
                    sent = await self._media(chat, item.media, item.caption)
                    if sent is None:  # the file was erased since: its words still go
                        sent = await self._text(chat, item.caption, None)
                else:
                    sent = await self._media(chat, item)
            if sent is not None:  # else a kept file since erased: nothing to show
                last = sent.message_id
            await self.parts.advance(message.id, index + 1, len(calls))
        return last

    async def _text(self, chat: str, text: str,
                    markup: InlineKeyboardMarkup | None) -> TelegramMessage:
        return await self.bot.send_message(chat, text, parse_mode=render.PARSE_MODE,
                                           reply_markup=markup,
                                           link_preview_options=NO_PREVIEWS)

    async def _media(self, chat: str, media: Media,
                     caption: str | None = None) -> TelegramMessage | None:
        """Send one file, with ``caption`` (escaped HTML) under it if given."""
        if media.ref.startswith(STORED):
            return await self._stored(chat, media, caption)
        mode = render.PARSE_MODE if caption else None
        if media.kind == "photo" and media.ref.startswith(INLINE_PNG):
            # A picture we drew (a chart), carried in the message itself: upload it.
            return await self.bot.send_photo(chat, base64.b64decode(
                media.ref.removeprefix(INLINE_PNG)), caption=caption, parse_mode=mode)
        if media.kind == "photo":
            return await self.bot.send_photo(chat, media.ref, caption=caption, parse_mode=mode)
        if media.kind == "voice":
            return await self.bot.send_voice(chat, media.ref, caption=caption, parse_mode=mode)
        if media.kind == "audio":
            return await self.bot.send_audio(chat, media.ref, caption=caption, parse_mode=mode)
        if media.kind == "video":
            return await self.bot.send_video(chat, media.ref, caption=caption, parse_mode=mode)
        return await self.bot.send_document(chat, media.ref, caption=caption, parse_mode=mode)

    async def _stored(self, chat: str, media: Media,
                      caption: str | None = None) -> TelegramMessage | None:
        """A photo or voice note we keep: uploaded from the media store, as what it is."""
        loaded = await self.stored(media.ref) if self.stored else None
        if loaded is None:
            return None
        data, kind = loaded.data, loaded.content_type
        mode = render.PARSE_MODE if caption else None
        if kind.startswith("image/") and len(data) <= PHOTO_UPLOAD_LIMIT:
            return await self.bot.send_photo(chat, data, caption=caption, parse_mode=mode)
        if kind == "audio/ogg" and media.kind == "voice":
            return await self.bot.send_voice(chat, data, caption=caption, parse_mode=mode)
        if kind.startswith("audio/"):
            return await self.bot.send_audio(chat, data, caption=caption, parse_mode=mode)
        if kind.startswith("video/"):
            return await self.bot.send_video(chat, data, caption=caption, parse_mode=mode)
        return await self.bot.send_document(chat, data, filename=_file_name(kind),
                                            caption=caption, parse_mode=mode)

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
