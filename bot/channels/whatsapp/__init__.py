"""WhatsApp through Twilio: signed webhooks in, the twilio client out, within WhatsApp's rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App
    from bot.channels.base import ChannelParts

CHANNEL = "whatsapp"


def parts(app: App) -> ChannelParts:
    """The sender, the two webhooks, and the client's start and stop, for `champbot run`."""
    from bot.channels.base import ChannelParts
    from bot.channels.whatsapp import webhooks
    from bot.channels.whatsapp.media import MediaFetcher
    from bot.channels.whatsapp.sender import WhatsAppSender
    from bot.channels.whatsapp.templates import Templates

    templates = Templates.load(app.settings.whatsapp_templates_file)
    sender = WhatsAppSender(app.settings, templates, app.clock, app.database)
    return ChannelParts(sender=sender, routes=webhooks.routes(app),
                        startup=[sender.start], shutdown=[sender.close],
                        fetch=MediaFetcher(app.settings).fetch)
