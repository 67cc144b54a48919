"""Sending outbox rows through the twilio client, within WhatsApp's 24-hour rule.

Inside 24 hours of the person's last message a row goes as free-form text (or
a question's quick-reply template); outside them it is held, and the
purpose's approved template tells the person something is waiting, once.
Retries are the dispatcher's (see client.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import exists, select
from twilio.base.exceptions import TwilioRestException, TwilioServiceException

from bot.channels.base import (
    BULK_KINDS,
    Delivered,
    Held,
    Outgoing,
    RetryLater,
    SendResult,
    account_limits,
)
from bot.channels.parts import Parts
from bot.channels.whatsapp import CHANNEL, client, errors, numbers, outgoing
from bot.channels.whatsapp.outgoing import Part
from bot.channels.whatsapp.templates import Templates
from bot.channels.whatsapp.webhooks import STATUS_PATH
from bot.services import media_links
from bot.settings import Settings, SettingsError
from bot.storage.database import Database
from bot.storage.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
RECORD_PAGE = 50  # of Twilio's latest messages to a number, looked through when reconciling
CLOCK_SKEW = timedelta(seconds=60)  # between our clock and Twilio's
# Twilio fetches a media URL when it takes the message; the link need not last longer.
TWILIO_FETCH = timedelta(hours=1)


class WindowClosed(Exception):
    """Twilio said 63016: the 24 hours are over, whatever our clock thought."""


class WhatsAppSender:
    channel = CHANNEL

    def __init__(
        self, settings: Settings, templates: Templates, clock: Callable[[], datetime],
        database: Database, *, timeout: float = 20.0,
    ) -> None:
        assert settings.twilio_account_sid and settings.twilio_auth_token
        assert settings.twilio_whatsapp_from and settings.public_base_url
        self.settings = settings
        self.templates = templates
        self.clock = clock
        self.database = database
        self.timeout = timeout
        self.limits = account_limits(settings, CHANNEL)
        try:
            self.sender = numbers.channel_address(settings.twilio_whatsapp_from)
        except numbers.BadNumber:
            raise SettingsError("champbot: setting TWILIO_WHATSAPP_FROM is not a phone number "
                                "(like +14155238886)") from None
        self.status_callback = settings.public_base_url.rstrip("/") + STATUS_PATH
        self.client: Any = None
        # Parts of a long message Twilio already took (in the database), so a retry,
        # by this process or another, sends only the rest.
        self.parts = Parts(database)

    async def start(self) -> None:
        """Build the client; it must be made inside the running event loop."""
        if self.client is None:
            self.client = client.make(self.settings)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.http_client.close()
            self.client = None

    async def send(self, message: Outgoing) -> SendResult:
        await self.start()
        last = message.last_inbound_at
        if last is not None and self.clock() - last < WINDOW:
            try:
                return await self._free_form(message)
            except WindowClosed:
                log.info("outbox %s: Twilio says the 24 hours are over", message.id)
        return await self._announce(message)

    async def sent_since(self, message: Outgoing, since: datetime) -> SendResult | None:
        """What Twilio's record says became of ``message`` since ``since``: sent (a message
        to that number with the same text), held (any message, when it would have gone
        as the template announcing it: the message itself still waits for their reply),
        or None when the record has nothing."""
        await self.start()
        expected = None
        last = message.last_inbound_at
        announced = last is None or self.clock() - last >= WINDOW
        if not announced:
            parts = outgoing.session_parts(message.reply, self.templates,
                                           self.settings.programme_name)
            index = 0
            if message.kind not in BULK_KINDS:
                # A reply resumes at the part that was in flight; only its last part
                # arriving means the whole reply did (else the rest is still to send).
                index = await self.parts.done(message)
                if index != len(parts) - 1:
                    return None
            expected = parts[index].body if parts and parts[index].template is None else None
        async with asyncio.timeout(self.timeout):
            found = await self.client.messages.list_async(
                to=numbers.channel_address(message.address), from_=self.sender,
                limit=RECORD_PAGE, page_size=RECORD_PAGE)
        for record in found:
            created = record.date_created
            if created is None or created < since - CLOCK_SKEW:
                continue
            if announced:
                return Held("template sent before a restart; delivered when they reply",
                            provider_id=str(record.sid))
            if expected is None or (record.body or "") == expected:
                return Delivered(str(record.sid))
        return None

    async def _free_form(self, message: Outgoing) -> SendResult:
        parts = outgoing.session_parts(message.reply, self.templates,
                                       self.settings.programme_name, self._media_url)
        sid: str | None = None
        for index in range(await self.parts.done(message), len(parts)):
            result = await self._post(message.address, parts[index])
            if not isinstance(result, str):
                if not isinstance(result, RetryLater):
                    await self.parts.finish(message)
                return result
            sid = result
            await self.parts.advance(message.id, index + 1, len(parts))
        await self.parts.finish(message)
        return Delivered(sid)

    def _media_url(self, ref: str) -> str | None:
        """A kept file as a signed link for its viewer, which Twilio fetches at once."""
        if self.settings.secret_key is None:
            log.warning("a kept file was not sent: SECRET_KEY is needed to sign its link")
            return None
        attachment, partner, coordinator = media_links.parse_ref(ref)
        return media_links.url_for(self.settings, attachment, partner_id=partner,
                                   coordinator_id=coordinator, now=self.clock(),
                                   valid_for=TWILIO_FETCH)

    async def _announce(self, message: Outgoing) -> SendResult:
        """Hold the message; tell the person with an approved template, once until they write."""
        if await self._announced(message.address):
            return Held("outside the 24-hour window; waiting for their reply to a template")
        filled = outgoing.announcement(message, self.templates, self.settings.programme_name)
        if isinstance(filled, str):
            return Held(filled)
        try:
            result = await self._post(message.address, Part(template=filled))
        except WindowClosed:
            return Held("Twilio refused the template as outside the 24-hour window (63016)")
        if isinstance(result, str):
            return Held(f"template sent for {message.kind}; delivered when they reply",
                        provider_id=result)
        return result

    async def _announced(self, address: str) -> bool:
        async with self.database.transaction(short=True) as session:
            return bool(await session.scalar(select(exists().where(
                OutboxMessage.channel == CHANNEL, OutboxMessage.address == address,
                OutboxMessage.status == OutboxStatus.HELD,
                OutboxMessage.provider_message_id.is_not(None)))))

    async def _post(self, address: str, part: Part) -> str | SendResult:
        """The new message's sid, or what to do about a refusal."""
        fields: dict[str, Any] = {"to": numbers.channel_address(address), "from_": self.sender,
                                  "status_callback": self.status_callback}
        if part.template is not None:
            fields["content_sid"] = part.template.content_sid
            fields["content_variables"] = part.template.variables
        else:
            fields["body"] = part.body
            if part.media_urls:
                fields["media_url"] = list(part.media_urls)
        try:
            async with asyncio.timeout(self.timeout):
                created = await self.client.messages.create_async(**fields)
        except (TwilioRestException, TwilioServiceException) as error:
            code = error.code if isinstance(error.code, int) else None
            if errors.window_closed(code):
                raise WindowClosed from None
            return errors.classify(int(error.status), code)
        except (aiohttp.ClientError, TimeoutError) as error:
            # The request may have reached Twilio; a retry can then repeat it.
            return RetryLater(f"network: {type(error).__name__}")
        return str(created.sid)
