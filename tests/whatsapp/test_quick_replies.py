"""Questions with a quick-reply template configured are asked with buttons; the rest by number."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.models import Conversation
from tests.support.chat import t
from tests.support.whatsapp import (
    CONSENT_QUICK_REPLY_EN,
    SOMALI_NUMBER,
    TEMPLATES,
    UK_NUMBER,
    WhatsApp,
)

pytestmark = pytest.mark.usefixtures("programme")


@pytest.fixture
def templates() -> dict[str, object]:
    consent = {"en": {"content_sid": CONSENT_QUICK_REPLY_EN, "variables": {"1": "{text}"}}}
    return {**TEMPLATES, "questions": {"joining.consent": consent}}


async def test_a_question_with_a_template_is_asked_with_buttons(
    app: App, whatsapp: WhatsApp
) -> None:
    amina = whatsapp.phone(UK_NUMBER)
    await amina.says("JOIN DEMO2026")
    await amina.says("English")
    question = amina.received[-1]
    assert question.content_sid == CONSENT_QUICK_REPLY_EN and question.body is None
    assert question.content_variables["1"].endswith("Do you agree?")

    await amina.presses("yes", "Yes, I agree", under=question)
    amina.sees("What would you like us to call you?")

    await amina.presses("no", "No", under=question)  # the same message, scrolled back to
    amina.sees("That button belongs to an earlier question.",
               "What would you like us to call you?")
    async with app.database.transaction() as session:
        state = await session.scalar(select(Conversation.state))
        assert state is not None and state["step"] == "name"
        assert state["answers"]["consent"] == "yes"


async def test_without_a_template_in_their_language_a_person_answers_by_number(
    whatsapp: WhatsApp,
) -> None:
    hodan = whatsapp.phone(SOMALI_NUMBER)
    await hodan.says("JOIN DEMO2026")
    await hodan.says("1")
    assert hodan.received[-1].content_sid is None
    hodan.sees("1. " + t("so", "Yes, I agree"))
