"""Partner services and their contacts, for tests of the escalation loop."""

from __future__ import annotations

from collections.abc import Sequence

from bot.app import App
from bot.services import invites, partners
from bot.storage.models import Role
from flows.languages import get as language_named
from tests.support.chat import Chat, Recorder


async def add_partner(app: App, name: str = "Northfield Housing",
                      categories: Sequence[str] = ("housing",),
                      areas: Sequence[str] = ("Northfield",), emails: Sequence[str] = (),
                      language: str = "en", digest_time: str = "08:00") -> int:
    async with app.database.transaction() as session:
        made = await partners.add(session, partners.Changes(
            name=name, categories=categories, areas=areas, emails=emails, language=language,
            digest_time=digest_time), app.clock())
        return made.id


async def partner_contact(app: App, address: str, partner_id: int, code: str = "en",
                          name: str = "Hana", channel: str = "console",
                          recorder: Recorder | None = None) -> Chat:
    """A partner's contact who joined with a partner invite (language, consent, name)."""
    async with app.database.transaction() as session:
        made = await invites.create(session, Role.PARTNER, app.clock(), partner_id=partner_id)
    chat = Chat(app, address, channel=channel, recorder=recorder)
    await chat.says(f"JOIN {made.code}")
    await chat.says(language_named(code).native_name)
    await chat.says("1")
    await chat.says(name)
    return chat
