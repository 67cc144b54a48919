"""Changes people make to themselves: settings, pausing and resuming messages."""

from __future__ import annotations

from bot.services.events import EventContext
from bot.services.people import area_id
from bot.storage.models import Status
from flows.types import Event


async def changed(ctx: EventContext, event: Event) -> None:
    person = ctx.person
    if person is None:
        return  # chose a language before joining: the conversation keeps it
    data = event.data
    if "language" in data:
        person.language = str(data["language"])
    if data.get("name") is not None:  # None: skipped in Settings, the name kept
        person.display_name = data["name"] or None  # "": "Remove my name"
    if "area" in data:
        person.area_id = area_id(data["area"])
    if "topics" in data:
        person.topics = list(data["topics"] or [])
    person.updated_at = ctx.now


async def paused(ctx: EventContext, event: Event) -> None:
    if ctx.person is not None:
        ctx.person.status = Status.PAUSED
        ctx.person.updated_at = ctx.now


async def resumed(ctx: EventContext, event: Event) -> None:
    if ctx.person is not None and ctx.person.status == Status.PAUSED:
        ctx.person.status = Status.ACTIVE
        ctx.person.updated_at = ctx.now
