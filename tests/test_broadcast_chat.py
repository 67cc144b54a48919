"""Composing a broadcast in chat: the coordinator's conversation, start to finish."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.services import broadcasts
from tests.support.broadcasts import FLU_TEXTS
from tests.support.chat import Recorder, joined, make_coordinator
from tests.support.clock import FakeClock

pytestmark = pytest.mark.usefixtures("programme")


async def test_a_coordinator_writes_translates_and_sends_to_one_area(
    app: App, clock: FakeClock
) -> None:
    recorder = Recorder("console")
    people = {code: await joined(app, f"champion-{code}", code, recorder=recorder)
              for code in ("en", "ur", "bn", "pl")}
    carol = await make_coordinator(app)

    await carol.says("/broadcast")
    carol.sees("What would you like to send?", "A message from the health library",
               "A new message")
    await carol.says("2")
    carol.sees("Write the message in English. You can add translations next.")
    await carol.says(FLU_TEXTS["en"])
    carol.sees("Who should receive it?", "All champions", "Northfield")
    await carol.says("Northfield")
    carol.sees("People it will go to: 4", "• English – console: 1", "• اردو – console: 1",
               "No translation yet for: বাংলা, Polski, اردو.")
    await carol.says("اردو")
    carol.sees("Send the text in اردو.")
    await carol.says(FLU_TEXTS["ur"])
    carol.sees("No translation yet for: বাংলা, Polski.")
    await carol.says("বাংলা")
    await carol.says(FLU_TEXTS["bn"])
    carol.sees("No translation yet for: Polski. Those people get the English text with a note.")
    await carol.says("continue")
    carol.sees("When should it go?")
    await carol.says("1")  # now
    carol.sees("Send it now? People it will go to: 4")
    await carol.says("yes")
    carol.sees("Your broadcast is queued.")

    clock.advance(seconds=30)
    (started,) = await broadcasts.tick(app.database, app.settings, clock())
    assert started.recipients == 4
    (listed,) = await broadcasts.listing(app.database)  # `champbot broadcast list`
    assert listed.audience == "champions areas=Northfield"  # by name, as from a file
    for code in ("en", "ur", "bn"):
        assert FLU_TEXTS[code] in await people[code].reads()
    assert FLU_TEXTS["en"] in await people["pl"].reads()
    await people["ur"].says("2")  # not clear

    await carol.says("/broadcast")
    await carol.says("3")  # how did my last broadcast go?
    carol.sees("Your last broadcast. People it went to: 4", "• English: sent 1",
               "• اردو: sent 1 · Useful 0, Not clear 1")
    await carol.says("1")
    carol.sees("What would you like to do?")


async def test_an_area_with_no_one_to_receive_it_is_refused_and_another_asked_for(
    app: App
) -> None:
    await joined(app, "amina", "en")  # in Northfield
    carol = await make_coordinator(app)
    await carol.says("/broadcast")
    await carol.says("2")  # a new message
    await carol.says(FLU_TEXTS["en"])
    await carol.says("Eastgate")  # nobody there yet
    carol.sees("Nobody there can receive a broadcast yet. Please choose another audience.")
    carol.does_not_see("People it will go to: 0")
    await carol.says("Northfield")
    carol.sees("People it will go to: 1")


async def test_champions_are_politely_refused(app: App) -> None:
    amina = await joined(app, "amina")
    await amina.says("/broadcast")
    amina.sees("Sorry, only coordinators can send broadcasts.", "What would you like to do?")
