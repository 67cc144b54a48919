"""On WhatsApp, a photo or a location sent at the main menu is not thrown away with "I didn't
receive an answer": a photo starts a concern that keeps it, a place is asked for in words."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.models import Attachment, Concern
from tests.support.chat import t
from tests.support.whatsapp import Phone

pytestmark = pytest.mark.usefixtures("programme")

MEDIA = "https://api.twilio.com/2010-04-01/Accounts/AC1/Media/ME"
MOULD = "Black mould in the bathroom at 12 Mill Road"


async def saved(app: App) -> tuple[list[Concern], list[Attachment]]:
    async with app.database.transaction() as session:
        return (list(await session.scalars(select(Concern))),
                list(await session.scalars(select(Attachment).order_by(Attachment.id))))


async def test_a_photo_alone_at_the_menu_becomes_a_concern_with_it(
    app: App, champion: Phone
) -> None:
    code = champion.language or "en"
    await champion.sends_media(MEDIA + "1")
    champion.sees(t(code, "What is the concern about?"))
    champion.does_not_see(t(code, "I didn't receive an answer."))
    for answer in ["4", "3", "1", "2", "1"]:  # housing; many people, my area, soon, contact me
        await champion.says(answer)
    champion.sees(t(code, "Please check your concern:"))
    await champion.says("1")
    champion.sees("C-1001")
    (concern,), (attachment,) = await saved(app)
    assert concern.category == "housing"
    assert (attachment.concern_id, attachment.channel, attachment.ref) == (
        concern.id, "whatsapp", MEDIA + "1")


async def test_a_photo_with_a_caption_at_the_menu_is_a_concern_in_those_words(
    app: App, champion: Phone
) -> None:
    code = champion.language or "en"
    await champion.sends_media(MEDIA + "2", caption=MOULD)
    champion.sees(t(code, "What is the concern about?"))
    champion.does_not_see(t(code, "Sorry, that isn't one of the options. Please send the number "
                                  "of your answer."))
    for answer in ["4", "3", "1", "2", "1", "1"]:
        await champion.says(answer)
    (concern,), (attachment,) = await saved(app)
    assert concern.description == MOULD
    assert attachment.ref == MEDIA + "2"


async def test_a_location_at_the_menu_is_asked_for_in_words(app: App, champion: Phone) -> None:
    code = champion.language or "en"
    await champion.shares_location(51.5072, -0.1276)
    champion.sees(t(code, "Sorry, we can't use a shared location. Please write the place in "
                          "words instead, such as the street or a landmark."),
                  t(code, "What would you like to do?"))
    champion.does_not_see(t(code, "I didn't receive an answer."))
    assert await saved(app) == ([], [])
