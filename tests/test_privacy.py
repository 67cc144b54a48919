"""Privacy: FORGET leaves nothing that identifies a person, MY DATA shows all we hold."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text

from bot.app import App
from bot.services import directory, identities, views
from bot.storage.models import AuditEntry, Base, Person, Status
from tests.support import broadcasts
from tests.support.chat import Chat, joined, make_coordinator, t

pytestmark = pytest.mark.usefixtures("programme")

NAME = "Zainab Okonkwo-Ahmed"
WORDS = "Our building has damp and the council never replies"
NOTE = "Lovely group, they asked about sugar"


async def everything_in_the_database(app: App) -> str:
    """Every value of every row of every table, as one searchable text."""
    chunks: list[str] = []
    async with app.database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        for table in tables:
            for row in (await connection.execute(text(f'SELECT * FROM "{table}"'))).all():
                chunks.extend(str(value) for value in row)
    return "\n".join(chunks)


async def impact_totals(app: App) -> tuple[int, int]:
    async with app.database.transaction() as session:
        person = await session.scalar(select(Person).where(Person.role == "champion"))
        assert person is not None
        total = (await views.impact_of(session, person, app.clock().date())).total
    return total.activities, total.people


async def busy_champion(app: App, code: str = "en") -> Chat:
    zainab = await joined(app, "zainab-phone", code, name=NAME)
    for answer in ["/log", "1", "3", "today", "1", "1", "25", "1", NOTE, "1"]:
        await zainab.says(answer)
    for answer in ["/concern", "4", WORDS, "3", "1", "2", "1", "1"]:
        await zainab.says(answer)
    return zainab


@pytest.mark.parametrize("code", ["en", "so", "bn"])
async def test_forget_leaves_no_name_identity_or_free_text_and_keeps_the_counts(
    app: App, code: str
) -> None:
    await make_coordinator(app)
    zainab = await busy_champion(app, code)
    # A broadcast reached her: the list of whom it went to names her address.
    await broadcasts.send(app, await broadcasts.coordinator(app), audience="all")
    assert Base.metadata.tables  # every table is searched, whatever it is
    before = await everything_in_the_database(app)
    assert NAME in before and WORDS in before and NOTE in before and "zainab-phone" in before
    totals = await impact_totals(app)

    await zainab.says("forget")
    zainab.sees(t(code, "Do you want us to erase your details? This deletes your name, your "
                        "contact details and everything you wrote to us. The numbers from your "
                        "activities stay in the programme's totals, without your name. This "
                        "cannot be undone."))
    await zainab.says("1")
    zainab.sees(t(code, "Your details have been erased: your name, your contact details and "
                        "everything you wrote. We kept only numbers (how many activities and "
                        "people reached, by topic and area) for the programme's reports, "
                        "without your name. Thank you for everything you did. If you want to "
                        "come back one day, ask your coordinator for a new invite code."))

    after = await everything_in_the_database(app)
    for trace in (NAME, WORDS, NOTE, "zainab-phone"):
        assert trace not in after, trace
    assert await impact_totals(app) == totals
    async with app.database.transaction() as session:
        erased = await session.scalar(select(Person).where(Person.status == Status.ERASED))
        assert erased is not None and erased.erased_at is not None
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "erased"))
        assert entry is not None and entry.actor == "self" and entry.person_id == erased.id


async def test_forget_asks_first_and_no_keeps_everything(app: App) -> None:
    zainab = await busy_champion(app)
    await zainab.says("forget")
    await zainab.says("No, keep them")
    zainab.sees("OK, nothing has been erased.")
    assert NAME in await everything_in_the_database(app)


async def test_a_person_who_was_forgotten_is_a_stranger_again(app: App) -> None:
    zainab = await busy_champion(app)
    await zainab.says("forget")
    await zainab.says("1")
    await zainab.says("hello")
    zainab.sees("Hello! Welcome to Riverside Health Champions.")


@pytest.mark.parametrize("code", ["en", "pt", "ur"])
async def test_my_data_sends_everything_held_after_asking(app: App, code: str) -> None:
    zainab = await busy_champion(app, code)
    await zainab.says("/mydata")
    zainab.sees(t(code, "Shall I send you everything we hold about you? It may be a long "
                        "message."))
    await zainab.says("1")
    zainab.sees(t(code, "What we hold about you:"), NAME, "Northfield", NOTE, WORDS, "C-1001",
                "zainab-phone")
    async with app.database.transaction() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "data_export"))
        assert entry is not None


async def test_stop_pauses_everything_and_start_resumes(app: App) -> None:
    carol = await make_coordinator(app)
    zainab = await busy_champion(app)
    await zainab.says("STOP")
    zainab.sees("Messages are paused")
    await carol.reads()
    await zainab.says("hello?")
    assert zainab.replies == ["Your messages are paused. Send START to switch them on again."]
    for answer in ["/concern"]:
        await zainab.says(answer)
    assert zainab.replies == []
    await zainab.says("START")
    zainab.sees("Welcome back! Messages are switched on again.", "What would you like to do?")


async def test_a_coordinator_can_erase_someone_on_request_and_it_is_audited(app: App) -> None:
    await busy_champion(app)
    async with app.database.transaction() as session:
        person = await session.scalar(select(Person).where(Person.display_name == NAME))
        assert person is not None
        person_id = person.id
    await directory.forget(app, person_id)
    assert NAME not in await everything_in_the_database(app)
    async with app.database.transaction() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.person_id == person_id))
        assert entry is not None and (entry.actor, entry.action) == ("cli", "erased")


async def test_my_data_before_joining_says_honestly_what_is_held(app: App) -> None:
    held = ("You haven't joined, so we hold no details about you: only this chat's number or "
            "address, so that we can answer you, and any answers you have given while joining. "
            "Send EXIT to have them deleted.")
    sam = Chat(app, "sam")
    await sam.says("mydata")
    sam.sees(held, "To join, please send the invite code your coordinator gave you.")
    sam.does_not_see("You will see the menu once you have joined.")

    await sam.says("JOIN DEMO2026")
    await sam.says("/mydata")  # half-way through joining: the question comes again
    sam.sees(held, "Which language would you like to use?")
    await sam.says("EXIT")
    sam.sees("Nothing about you has been kept.")
    async with app.database.transaction() as session:
        assert await identities.find(session, "console", "sam") is None


async def test_a_photo_only_concern_is_shown_in_my_data_without_empty_quotes(app: App) -> None:
    from flows.types import Media

    amina = await joined(app, "amina")
    await amina.says("/concern")
    await amina.says("4")  # housing and damp
    await amina.says(media=(Media("photo", "damp-wall", "image/jpeg"),))
    for answer in ["3", "1", "2", "1", "1"]:  # many; my area; soon; may contact; save
        await amina.says(answer)
    await amina.says("/mydata")
    await amina.says("1")
    amina.sees("• C-1001: Housing and damp, Received – (in the photos and voice notes)",
               "• C-1001: photo")
    amina.does_not_see("“”")
