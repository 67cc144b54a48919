"""Email through SMTP (aiosmtplib): outbox rows out as MIME messages; nothing comes in."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App
    from bot.channels.base import ChannelParts

CHANNEL = "email"


def parts(app: App) -> ChannelParts:
    """The sender, for `champbot run` (email adds no routes: links go to the /act pages)."""
    from bot.channels.base import ChannelParts
    from bot.channels.email.sender import EmailSender

    return ChannelParts(sender=EmailSender.from_settings(app.settings))
