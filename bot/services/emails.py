"""Emails to the outbox: one row per message, sent by the email channel like any other."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit, identities, links
from bot.services.outbox import enqueue
from bot.settings import Settings
from bot.storage.models import Identity, OutboxMessage
from flows.types import Reply

CHANNEL = "email"
MAX_ADDRESS = 64  # the identity and outbox address columns
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+")


class InvalidAddress(ValueError):
    """An address the email channel cannot send to."""


class AddressTooLong(InvalidAddress):
    """An address longer than the identity and outbox columns hold (``MAX_ADDRESS``)."""


def normalise(address: str) -> str:
    """The identity address for an email: trimmed and lowercased; InvalidAddress if it
    does not look like one (or is longer than the column holds)."""
    cleaned = address.strip().lower()
    if not _ADDRESS.fullmatch(cleaned):
        raise InvalidAddress(f"not an email address: {address!r}")
    if len(cleaned) > MAX_ADDRESS:
        raise AddressTooLong(f"email addresses longer than {MAX_ADDRESS} characters are not "
                             "supported")
    return cleaned


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/csv"
    data: str | bytes  # text is kept as text, bytes as base64

    def to_dict(self) -> dict[str, str]:
        item = {"filename": self.filename, "content_type": self.content_type}
        if isinstance(self.data, bytes):
            item["base64"] = base64.b64encode(self.data).decode("ascii")
        else:
            item["text"] = self.data
        return item


async def enqueue_email(
    session: AsyncSession,
    to: str,
    subject: str,
    text: str,
    *,
    now: datetime,
    kind: str,
    html: str | None = None,
    attachments: Iterable[Attachment] = (),
    language: str = "en",
    person_id: int | None = None,
    about_person_id: int | None = None,
    unsubscribe_url: str | None = None,
) -> OutboxMessage:
    """One email in the caller's transaction. ``text`` is the plain part (always sent),
    ``html`` the same content as HTML (escape what people wrote). ``unsubscribe_url``
    becomes a List-Unsubscribe header (see bot.services.links.unsubscribe_url)."""
    address = normalise(to)
    # Opt-outs and unreachable addresses are kept on the identity, so there always is one.
    await identities.find_or_create(session, CHANNEL, address, now)
    row = enqueue(session, channel=CHANNEL, address=address,
                  reply=Reply(text, language=language), now=now, kind=kind,
                  person_id=person_id, about_person_id=about_person_id)
    row.payload = {**row.payload, "subject": subject, "html": html,
                   "attachments": [a.to_dict() for a in attachments],
                   "unsubscribe_url": unsubscribe_url}
    return row


UNSUBSCRIBE = "unsubscribe"  # the link purpose that opts an email address out
UNSUBSCRIBE_VALID = timedelta(days=365)


def unsubscribe_url(settings: Settings, address: str, now: datetime,
                    language: str | None = None) -> str:
    """A link (reusable, valid a year) to the page that stops all email to ``address``."""
    return links.action_url(settings, UNSUBSCRIBE, {"address": normalise(address)}, now=now,
                            valid_for=UNSUBSCRIBE_VALID, once=False, language=language)


async def opt_out(session: AsyncSession, address: str, now: datetime,
                  actor: str = "link") -> Identity:
    """No more email of any kind to ``address`` (as STOP does on a chat channel)."""
    identity = await identities.find_or_create(session, CHANNEL, normalise(address), now)
    if identity.opted_out_at is None:
        identity.opted_out_at = now
        audit.record(session, actor, "opted_out", identity.person_id, now, channel=CHANNEL)
    return identity


async def opt_in(session: AsyncSession, address: str, now: datetime,
                 actor: str = "operator") -> bool:
    """Email to ``address`` again (someone who unsubscribed asked to be back, or an
    address that bounced was fixed). False when it was neither: nothing to resume."""
    identity = await identities.find(session, CHANNEL, normalise(address))
    if identity is None or (identity.opted_out_at is None and identity.unreachable_at is None):
        return False
    identity.opted_out_at = None
    identity.unreachable_at = None
    audit.record(session, actor, "opted_in", identity.person_id, now, channel=CHANNEL)
    return True
