"""What champions look back on: their concerns, their impact, and health information."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.models import Concern, ConcernStatus, ConcernUpdate
from tests.support.chat import joined, n, t
from tests.support.clock import FakeClock

pytestmark = pytest.mark.usefixtures("programme")


async def log(chat_says: object, reached: str, topic: str = "3", when: str = "today") -> None:
    for answer in ["/log", "1", topic, when, "1", "1", reached, "2", "skip", "1"]:
        await chat_says(answer)  # type: ignore[operator]


@pytest.mark.parametrize("code", ["en", "pa", "ar"])
async def test_my_concerns_shows_each_concern_and_what_became_of_it(
    app: App, clock: FakeClock, code: str
) -> None:
    amina = await joined(app, "amina", code)
    await amina.says("/concerns")
    amina.sees(t(code, "You haven't shared any concerns yet. Choose \"Share a community "
                       "concern\" in the menu to tell us about one."))

    for answer in ["/concern", "1", "Two-week waits for a GP appointment", "3", "1", "2", "1",
                   "1"]:
        await amina.says(answer)
    clock.advance(days=2)
    async with app.database.transaction() as session:
        concern = await session.scalar(select(Concern))
        assert concern is not None
        concern.status = ConcernStatus.IN_PROGRESS
        session.add(ConcernUpdate(concern_id=concern.id, status=ConcernStatus.IN_PROGRESS,
                                  note="The practice is adding evening slots.",
                                  by_role="partner", created_at=clock()))

    await amina.says("/concerns")
    amina.sees("C-1001", t(code, "Getting a GP appointment"), t(code, "In progress"))
    await amina.says("C-1001 · " + t(code, "Getting a GP appointment") + " · "
                     + t(code, "In progress"))
    amina.sees(t(code, "What has happened:"), t(code, "Received"),
               "The practice is adding evening slots.", t(code, "Back to my concerns"))
    await amina.says("2")
    amina.sees(t(code, "What would you like to do?"))


@pytest.mark.parametrize("code", ["en", "pl", "gu"])
async def test_my_impact_adds_up_by_period_and_topic_with_milestones(
    app: App, clock: FakeClock, code: str
) -> None:
    amina = await joined(app, "amina", code)
    await amina.says("/impact")
    amina.sees(t(code, "You haven't logged any activities yet. Choose \"Log an activity\" in "
                       "the menu after your next conversation, talk or stall."))
    await log(amina.says, "60", topic="3")
    await log(amina.says, "1240", topic="3")
    clock.advance(days=15)  # into December: a new month, the same year
    await log(amina.says, "5", topic="1", when="today")

    await amina.says("/impact")
    said = amina.last
    assert t(code, "This month") in said and t(code, "In total") in said
    for period, activities, people, hours in [("This month", 1, 5, 1.5),
                                              ("In total", 3, 1305, 4.5)]:
        assert t(code, period) + "\n" + t(
            code, "Activities: {activities} · People reached: {people} · Hours given: {hours}",
            activities=n(code, activities), people=n(code, people),
            hours=n(code, hours)) in said
    assert t(code, "Diabetes") in said and t(code, "Vaccination") in said
    assert t(code, "Your first activity logged") in said
    assert t(code, "1,000 people reached") in said
    assert t(code, "10 hours given") not in said


@pytest.mark.parametrize("code", ["en", "ro", "ur"])
async def test_health_information_by_topic_and_passed_on_in_another_language(
    app: App, code: str
) -> None:
    amina = await joined(app, "amina", code)
    await amina.says("/info")
    amina.sees(t(code, "Which topic?"), t(code, "Heart health and blood pressure"))
    await amina.says(t(code, "Heart health and blood pressure"))
    amina.sees(t(code, "Which message would you like to read?"))
    await amina.says("2")  # stroke: act FAST
    amina.sees("999", "https://www.nhs.uk/conditions/stroke/symptoms/",
               t(code, "Send it in another language"))
    await amina.says(t(code, "Send it in another language"))
    amina.sees(t(code, "Which language should I send it in?"), "Soomaali")
    await amina.says("Soomaali")
    forwarded, after = amina.replies
    assert "999" in forwarded and "NHS: Stroke symptoms" in forwarded
    assert t(code, "Here it is, ready to forward. What would you like to do next?") in after


async def test_every_starter_message_can_be_read_in_every_language(app: App) -> None:
    from bot.services import views
    from flows.languages import CODES

    async with app.database.transaction() as session:
        library = await views.library(session)
    assert len(library) >= 12
    for item in library:
        assert set(item.bodies) == set(CODES), item.slug


async def test_the_impact_month_follows_the_programme_timezone(
    app: App, clock: FakeClock
) -> None:
    amina = await joined(app, "amina")
    clock.now = clock.now.replace(month=11, day=30, hour=23, minute=30) + timedelta(hours=0)
    await log(amina.says, "7")  # 30 Nov 23:30 UTC is still November in London
    await amina.says("/impact")
    amina.sees("This month\nActivities: 1 · People reached: 7")
