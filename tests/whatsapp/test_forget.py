"""FORGET on WhatsApp: the goodbye arrives at once, then no table holds the number."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from tests.support.chat import t
from tests.support.twilio_server import FakeTwilio
from tests.support.whatsapp import UK_NUMBER, WhatsApp, joined
from tests.test_privacy import everything_in_the_database

pytestmark = pytest.mark.usefixtures("programme")

NAME = "Zebedee"
NOTE = "Quixotic damp in flat nine"


async def test_forget_on_whatsapp_says_goodbye_at_once_and_leaves_no_number(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio
) -> None:
    phone = await joined(whatsapp, UK_NUMBER, "en", name=NAME)
    for answer in ["/concern", "4", NOTE, "3", "1", "2", "1", "1"]:
        await phone.says(answer)
    digits = UK_NUMBER.lstrip("+")
    assert digits in await everything_in_the_database(app)

    await phone.says("forget")
    await phone.says("1")
    phone.sees(t("en", "Your details have been erased: your name, your contact details and "
                       "everything you wrote. We kept only numbers (how many activities and "
                       "people reached, by topic and area) for the programme's reports, "
                       "without your name. Thank you for everything you did. If you want to "
                       "come back one day, ask your coordinator for a new invite code."))
    assert not [m for m in twilio.to(UK_NUMBER) if m.content_sid and "erased" in m.shown]

    after = await everything_in_the_database(app)
    for trace in (digits, NAME, NOTE):
        assert trace not in after, trace
    if app.database.is_sqlite:  # nor in the file, nor in its write-ahead log
        path = Path(str(app.database.url.database))
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                data = file.read_bytes()
                assert NAME.encode() not in data and NOTE.encode() not in data, file
