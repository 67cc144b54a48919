"""Which service applies each event the flows emit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.services import (
    activities,
    broadcast_chat,
    casework,
    concerns,
    coordinator_chat,
    joining,
    privacy,
    profiles,
    red_flags,
)
from bot.services.events import EventContext
from flows.types import Event

Handler = Callable[[EventContext, Event], Awaitable[None]]

HANDLERS: dict[str, Handler] = {
    "person_joined": joining.joined,
    "consent_declined": joining.forget_identity,
    "joining_cancelled": joining.forget_identity,
    "profile_changed": profiles.changed,
    "messages_paused": profiles.paused,
    "messages_resumed": profiles.resumed,
    "erasure_confirmed": privacy.erase,
    "data_requested": privacy.export,
    "activity_logged": activities.logged,
    "concern_raised": concerns.raised,
    "red_flag_detected": red_flags.detected,
    "broadcast_confirmed": broadcast_chat.confirmed,
    "escalation_acted": casework.acted,
    "dashboard_requested": coordinator_chat.signin_link,
    "programme_impact_requested": coordinator_chat.impact_chart,
}


async def apply(ctx: EventContext, event: Event) -> None:
    handler = HANDLERS.get(event.name)
    if handler is None:
        raise LookupError(f"no handler for event {event.name!r}")
    await handler(ctx, event)
