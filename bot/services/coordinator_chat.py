"""What coordinators ask for in chat: a dashboard sign-in link, this month's impact chart.
Both ask permissions; anyone else hears that these are for coordinators."""

from __future__ import annotations

import base64
from dataclasses import replace

from bot.dashboard import charts as chart_links
from bot.dashboard.tokens import make_signin_link
from bot.services import charts, coordinators, impact, permissions
from bot.services.events import EventContext
from bot.services.permissions import Action, Forbidden
from flows.i18n import _
from flows.types import Event, Media, Reply


def base_url(ctx: EventContext) -> str:
    settings = ctx.settings
    return settings.public_base_url or f"http://{settings.http_host}:{settings.http_port}"


def _refuse(ctx: EventContext) -> None:
    ctx.reply(Reply(_("Sorry, this is only for coordinators."), language=_language(ctx)))


def _language(ctx: EventContext) -> str:
    return ctx.person.language if ctx.person else ctx.settings.default_language


def _actor(ctx: EventContext, action: Action) -> permissions.Actor | None:
    if ctx.person is None:
        return None
    actor = permissions.actor_of(ctx.person)
    try:
        permissions.require(ctx.session, actor, action, None, ctx.now)
    except Forbidden:
        return None
    return actor


async def signin_link(ctx: EventContext, event: Event) -> None:
    """A coordinator's or a partner contact's one-time link to the dashboard."""
    actor = await coordinators.actor_of(ctx.session, ctx.person) if ctx.person else None
    if actor is None or ctx.person is None:
        _refuse(ctx)
        return
    try:
        permissions.require(ctx.session, actor, Action.VIEW_DASHBOARD, None, ctx.now)
    except Forbidden:
        _refuse(ctx)
        return
    link = await make_signin_link(ctx.session, ctx.settings, base_url(ctx), ctx.person.id,
                                  ctx.now)
    ctx.reply(Reply(_("Here is your link to the dashboard. It works once, for 15 minutes; "
                      "do not share it.\n{link}", link=link), language=_language(ctx)))


async def impact_chart(ctx: EventContext, event: Event) -> None:
    actor = _actor(ctx, Action.VIEW_IMPACT)
    if actor is None:
        _refuse(ctx)
        return
    today = ctx.now.astimezone(ctx.settings.zone).date()
    report = await impact.report(ctx.session, impact.month_start(today), today, actor.areas)
    reply = Reply(charts.summary(report), language=_language(ctx))
    if ctx.identity.channel == "telegram":
        # Telegram takes the picture itself (uploaded by the sender).
        ref = "data:image/png;base64," + base64.b64encode(charts.png(report)).decode()
        reply = replace(reply, media=(Media("photo", ref, "image/png"),))
    elif ctx.identity.channel == "whatsapp":
        # WhatsApp fetches media from a public address: a signed one, valid for an hour.
        url = await chart_links.signed_url(ctx.session, ctx.settings, ctx.now, report.start,
                                           report.end, _language(ctx), actor.areas)
        reply = replace(reply, media=(Media("photo", url, "image/png"),))
    ctx.reply(reply)
