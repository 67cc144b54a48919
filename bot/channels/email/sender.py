"""Outbox rows out through SMTP, with SMTP replies mapped to send results.

One connection per message: email is low volume here, and a fresh connection
never carries a broken state from an earlier failure into the next message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import aiosmtplib

from bot.app import utc_now
from bot.channels.base import (
    Delivered,
    Limits,
    Outgoing,
    Rejected,
    RetryLater,
    SendResult,
    Unreachable,
    account_limits,
)
from bot.channels.email import CHANNEL
from bot.channels.email.compose import BadEmail, compose
from bot.settings import Settings, SmtpServer

log = logging.getLogger(__name__)

# The mailbox does not exist or may not receive: stop writing to the address.
GONE = {550, 551, 553}
# Our own login was refused: nothing wrong with the message; the operator must fix it.
OUR_CREDENTIALS = {530, 534, 535}


def result_of_code(code: int, text: str) -> SendResult:
    reason = f"{code} {text}"[:300]
    if code in OUR_CREDENTIALS or code < 500:
        return RetryLater(reason)
    if code in GONE:
        return Unreachable(reason)
    return Rejected(reason)


def result_of(error: Exception) -> SendResult:
    """What an aiosmtplib error means for the outbox row."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        first = error.recipients[0]
        return result_of_code(first.code, first.message)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return result_of_code(error.code, error.message)
    # Connection refused, timed out, dropped, TLS failure: all worth another try.
    return RetryLater(f"{type(error).__name__}: {error}"[:300])


class EmailSender:
    channel = CHANNEL

    def __init__(self, server: SmtpServer, sender: str, limits: Limits,
                 clock: Callable[[], datetime] = utc_now, timeout: float = 30,
                 ca_file: str | None = None) -> None:
        self.server = server
        self.ca_file = ca_file
        self.sender = sender
        self.limits = limits
        self.clock = clock
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings,
                      clock: Callable[[], datetime] = utc_now) -> EmailSender:
        assert settings.smtp_from is not None  # checked with SMTP_URL at start-up
        ca_file = str(settings.smtp_ca_file) if settings.smtp_ca_file else None
        return cls(settings.smtp, settings.smtp_from,
                   account_limits(settings, CHANNEL), clock,
                   ca_file=ca_file)

    async def send(self, message: Outgoing) -> SendResult:
        try:
            mail = compose(message, self.sender, self.clock())
        except BadEmail as error:
            return Rejected(str(error)[:300])
        server = self.server
        try:
            await aiosmtplib.send(
                mail, hostname=server.hostname, port=server.port, username=server.username,
                password=server.password, use_tls=server.use_tls, start_tls=server.start_tls,
                cert_bundle=self.ca_file, timeout=self.timeout)
        except (aiosmtplib.SMTPException, OSError) as error:
            result = result_of(error)
            log.info("email for outbox %s not sent: %s", message.id, result)
            return result
        return Delivered(str(mail["Message-ID"]))
