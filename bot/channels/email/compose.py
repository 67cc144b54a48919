"""An outbox row as a MIME email: plain text, an HTML alternative, attachments."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from bot.channels.base import Outgoing


class BadEmail(ValueError):
    """The row cannot be made into an email (a bug in whoever wrote it)."""


def compose(message: Outgoing, sender: str, now: datetime) -> EmailMessage:
    payload = message.payload
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.address
    mail["Subject"] = str(payload.get("subject") or "") or _first_line(message.reply.text)
    mail["Date"] = format_datetime(now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    mail["Message-ID"] = make_msgid(idstring=f"outbox{message.id}", domain=domain)
    mail["Content-Language"] = message.reply.language
    mail["Auto-Submitted"] = "auto-generated"
    if unsubscribe := payload.get("unsubscribe_url"):
        mail["List-Unsubscribe"] = f"<{unsubscribe}>"
    mail.set_content(message.reply.text)
    if html := payload.get("html"):
        mail.add_alternative(str(html), subtype="html")
    for item in payload.get("attachments") or ():
        _attach(mail, item)
    return mail


def _first_line(text: str, limit: int = 78) -> str:
    """A subject for a row written for any channel (e.g. a chat alert sent by email)."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


def _attach(mail: EmailMessage, item: Mapping[str, Any]) -> None:
    filename = str(item.get("filename") or "attachment")
    maintype, _, subtype = str(item.get("content_type") or "").partition("/")
    if not maintype or not subtype:
        raise BadEmail(f"attachment {filename!r} has no content type")
    if "text" in item:
        if maintype != "text":
            raise BadEmail(f"attachment {filename!r}: text data with a {maintype} type")
        mail.add_attachment(str(item["text"]), subtype=subtype, filename=filename)
    elif "base64" in item:
        try:
            data = base64.b64decode(str(item["base64"]), validate=True)
        except ValueError:
            raise BadEmail(f"attachment {filename!r} is not valid base64") from None
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    else:
        raise BadEmail(f"attachment {filename!r} has no data")
