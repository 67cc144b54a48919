"""A small demo programme, so anyone can try the bot in the simulator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services import areas, invites, library
from bot.storage.database import Database
from bot.storage.models import Role

DEMO_AREAS = ["Northfield", "Riverside Central", "St Mark's", "Eastgate", "Hillcrest"]
CHAMPION_CODE = "DEMO2026"
COORDINATOR_CODE = "COORD2026"


@dataclass(frozen=True)
class Demo:
    areas_added: int
    messages_added: int
    champion_code: str
    coordinator_code: str


async def load(database: Database, now: datetime) -> Demo:
    async with database.transaction() as session:
        added, _ = await areas.import_rows(session, [(areas.slug(n), n) for n in DEMO_AREAS], now)
        messages, _ = await library.import_rows(session, library.starter_rows(), now)
        for code, role in ((CHAMPION_CODE, Role.CHAMPION), (COORDINATOR_CODE, Role.COORDINATOR)):
            existing = await invites.find(session, code)
            if existing is None:
                await invites.create(session, role, now, uses=1000, days=365, code=code)
            else:
                existing.expires_at = max(existing.expires_at, now + timedelta(days=365))
                existing.max_uses = max(existing.max_uses, existing.uses + 1000)
    return Demo(added, messages, CHAMPION_CODE, COORDINATOR_CODE)
