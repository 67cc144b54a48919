"""The escalation loop on WhatsApp through Twilio: an urgent concern reaches a partner's
phone at once, the partner answers by words, and the champion hears back (outside the 24
hours through the concern_update template)."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.services import invites
from bot.storage.models import Role
from tests.support.clock import FakeClock
from tests.support.partners import add_partner
from tests.support.whatsapp import CONCERN_UPDATE_EN, UK_NUMBER, WhatsApp, joined

pytestmark = pytest.mark.usefixtures("programme")

PARTNER_NUMBER = "+447700900456"


async def test_a_partner_acts_on_whatsapp_and_the_champion_hears_back(
    app: App, whatsapp: WhatsApp, clock: FakeClock,
) -> None:
    partner = await add_partner(app, areas=["all"])
    async with app.database.transaction() as session:
        made = await invites.create(session, Role.PARTNER, app.clock(), partner_id=partner)
    hana = whatsapp.phone(PARTNER_NUMBER)
    await hana.says(f"JOIN {made.code}")
    await hana.says("English")
    await hana.says("1")  # I agree
    await hana.says("Hana")
    hana.sees("Welcome, Hana!", "New and open concerns")

    amina = await joined(whatsapp, UK_NUMBER, "en")
    for answer in ("menu", "2", "4", "Black mould in six flats on Elm Street.", "3", "1", "1",
                   "1", "1"):
        await amina.says(answer)
    amina.sees("C-1001")

    await hana.reads()
    hana.sees("URGENT concern C-1001 for Northfield Housing", "Black mould",
              "Reply ACK C-1001 to acknowledge it")
    await hana.says("ack c-1001")
    hana.sees("C-1001 is now: Acknowledged. The champion has been told.")
    await amina.reads()
    amina.sees("Update on your concern C-1001: Northfield Housing has received it and will "
               "look at it.")

    clock.advance(hours=25)
    await hana.says("DONE C-1001 The landlord has treated the mould.")
    hana.sees("C-1001 is now: Resolved.")
    await amina.reads()
    assert amina.received[-1].content_sid == CONCERN_UPDATE_EN
    assert amina.received[-1].content_variables == {"1": "C-1001"}
    await amina.says("1")
    assert amina.replies[-1] == ("Update on your concern C-1001: Northfield Housing has dealt "
                                 "with it.\n“The landlord has treated the mould.”")
