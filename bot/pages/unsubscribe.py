"""The link in every email that stops email to that address."""

from __future__ import annotations

from bot.pages.actions import ActionContext, LinkAction, Shown
from bot.services import emails
from flows.i18n import _


def _address(ctx: ActionContext) -> str:
    return str(ctx.link.subject["address"])


async def describe(ctx: ActionContext) -> Shown:
    return Shown(
        title=_("Stop emails"), button=_("Stop emails"),
        lines=[_("Stop all emails from {programme} to {address}?",
                 programme=ctx.app.settings.programme_name, address=_address(ctx))])


async def perform(ctx: ActionContext) -> str:
    await emails.opt_out(ctx.session, _address(ctx), ctx.now)
    return _("We will not email {address} again.", address=_address(ctx))


ACTION = LinkAction(emails.UNSUBSCRIBE, describe, perform)
