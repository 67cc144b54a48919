"""A broadcast on WhatsApp, through the twilio client and the local Twilio server."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.services.permissions import OPERATOR
from tests.support.broadcasts import FLU_TEXTS, add_champion, report, send, thanks
from tests.support.chat import t
from tests.support.clock import FakeClock
from tests.support.whatsapp import BROADCAST_EN, WhatsApp

pytestmark = pytest.mark.usefixtures("programme")

URDU, BENGALI, POLISH, IMPORTED = "+447700900201", "+447700900202", "+48601234567", \
    "+447700900204"


async def test_each_language_arrives_and_someone_who_never_wrote_gets_the_template_first(
    app: App, whatsapp: WhatsApp, clock: FakeClock
) -> None:
    for number, code in ((URDU, "ur"), (BENGALI, "bn"), (POLISH, "pl")):
        await add_champion(app, "whatsapp", number, code)
    await add_champion(app, "whatsapp", IMPORTED, "en", wrote=False)
    phones = {number: whatsapp.phone(number) for number in (URDU, BENGALI, POLISH, IMPORTED)}

    made = await send(app, OPERATOR, audience={"areas": ["Northfield"]})
    await whatsapp.deliver()

    urdu = await phones[URDU].reads()
    assert FLU_TEXTS["ur"] in urdu and f"1. {t('ur', 'Useful')}" in urdu
    assert FLU_TEXTS["bn"] in await phones[BENGALI].reads()
    polish = await phones[POLISH].reads()
    assert FLU_TEXTS["en"] in polish
    assert t("pl", "(There is no {language} translation of this message yet.)",
             language="Polski") in polish
    imported = phones[IMPORTED]
    await imported.reads()
    (template,) = imported.received
    assert template.content_sid == BROADCAST_EN
    assert (await report(app, OPERATOR, made))["totals"]["waiting_for_template"] == 1

    clock.advance(hours=2)
    await imported.says("1")  # "reply 1 to read"
    imported.sees(FLU_TEXTS["en"])

    await phones[URDU].says("2")
    phones[URDU].sees(thanks("ur"))
    counts = await report(app, OPERATOR, made)
    assert counts["by_channel"]["whatsapp"]["sent"] == 4
    assert counts["feedback"] == {"ur": {"useful": 0, "unclear": 1}}


async def test_a_message_that_waited_comes_after_the_answer_and_its_useful_can_be_answered(
    app: App, whatsapp: WhatsApp, clock: FakeClock
) -> None:
    await add_champion(app, "whatsapp", IMPORTED, "en", wrote=False)
    made = await send(app, OPERATOR, audience={"areas": ["Northfield"]})
    await whatsapp.deliver()
    imported = whatsapp.phone(IMPORTED)
    await imported.reads()
    assert [m.content_sid for m in imported.received] == [BROADCAST_EN]

    clock.advance(hours=2)
    await imported.says("1")  # "reply 1 to read"
    first, *_, last = imported.replies
    assert FLU_TEXTS["en"] not in first  # the answer to what she wrote comes first
    assert FLU_TEXTS["en"] in last and "1. Useful" in last  # the message she asked for, last

    await imported.says("1")  # Useful: the question last on her screen
    imported.sees(thanks("en"))
    assert (await report(app, OPERATOR, made))["feedback"] == {
        "en": {"useful": 1, "unclear": 0}}
