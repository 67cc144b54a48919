"""Broadcasts in tests: a coordinator sends one, through the same service chat and CLI use."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.services import broadcast_reports, broadcasts
from bot.services.permissions import Actor
from bot.storage.models import Area, Identity, Person, Role, Status
from flows.commands import first_word
from flows.i18n import language
from tests.support.chat import t

# The texts of the must-show broadcast: English, Urdu and Bengali, no Polish.
FLU_TEXTS = {
    "en": "Free flu jabs at Northfield Library on Saturday, 10am to 2pm.",
    "ur": "ہفتہ کو نارتھ فیلڈ لائبریری میں فلو کے مفت ٹیکے، صبح 10 سے دوپہر 2 بجے تک۔",
    "bn": "শনিবার নর্থফিল্ড লাইব্রেরিতে বিনামূল্যে ফ্লু টিকা, সকাল ১০টা থেকে দুপুর ২টা।",
}


async def coordinator(app: App, address: str = "carol") -> Actor:
    """The actor for the coordinator who joined as ``address`` (see make_coordinator)."""
    async with app.database.transaction() as session:
        person = await session.scalar(select(Person).where(Person.role == Role.COORDINATOR)
                                      .order_by(Person.id.desc()))
        assert person is not None
        return Actor("person", role=Role.COORDINATOR, person_id=person.id)


async def send(app: App, actor: Actor, texts: Mapping[str, str] = FLU_TEXTS,
               audience: str | Mapping[str, Any] = "all", *, at: datetime | None = None,
               urgent: bool = False, repeat: str | None = None, now: bool = True) -> int:
    """Create a broadcast and (unless ``now`` is False) start it; its id."""
    request = broadcasts.Request(texts=texts, audience=audience, at=at, urgent=urgent,
                                 repeat=repeat)
    made = await broadcasts.create(app.database, app.settings, actor, request, app.clock())
    if now:
        await broadcasts.start(app.database, app.settings, actor, made, app.clock())
    return made


async def report(app: App, actor: Actor, broadcast_id: int) -> dict[str, Any]:
    found = await broadcast_reports.report(app.database, actor, broadcast_id, app.clock())
    return found.to_dict()


async def finished(app: App, actor: Actor, broadcast_id: int, seconds: float = 60
                   ) -> dict[str, Any]:
    """The report once nothing of the broadcast is queued or being sent (a dispatcher
    records a round's results after the round): for a dispatcher running elsewhere."""
    deadline = time.monotonic() + seconds
    while (counts := await report(app, actor, broadcast_id))["totals"]["queued"]:
        assert time.monotonic() < deadline, f"still queued after {seconds:g}s: {counts}"
        await asyncio.sleep(0.2)
    return counts


async def add_champion(app: App, channel: str, address: str, code: str,
                       area: str = "Northfield", *, wrote: bool = True) -> int:
    """A champion put straight into the database (as `people import` does); ``wrote``: they
    have written to us just now (inside WhatsApp's 24 hours)."""
    now = app.clock()
    async with app.database.transaction() as session:
        area_id = await session.scalar(select(Area.id).where(Area.name == area))
        person = Person(role=Role.CHAMPION, status=Status.ACTIVE, language=code,
                        area_id=area_id, topics=[], created_at=now, updated_at=now)
        session.add(person)
        await session.flush()
        session.add(Identity(channel=channel, address=address, person_id=person.id,
                             created_at=now, last_inbound_at=now if wrote else None))
        return person.id


def thanks(code: str) -> str:
    """The answer to "Useful" or "Not clear", in language ``code``."""
    with language(code):
        menu = first_word("menu")
    return t(code, "Thank you, that helps us improve our messages. Send {menu} for the menu.",
             menu=menu)
