"""The audit log in the coordinator's own language: every action recorded reads as words,
never as the name the code writes it under."""

from __future__ import annotations

from typing import get_args

import pytest

from bot.app import App
from bot.services import audit, emails
from bot.storage.models import AuditEntry, Person, Role, Status
from flows import i18n
from flows.languages import CODES
from tests.support.dashboard import browser, csrf, sign_in
from tests.support.people import add_person


async def speaks(app: App, person_id: int, code: str) -> None:
    async with app.database.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        person.language = code


@pytest.mark.parametrize(("code", "approved", "refused", "unsubscribed", "by_link"), [
    ("pl", "Zatwierdzony do startu", "Odrzucono prośbę o link logowania e-mailem",
     "Wypisano z e-maili", "Ktoś z linkiem"),
    ("ar", "تمت الموافقة على البدء", "رُفض طلب رابط تسجيل الدخول بالبريد",
     "أُلغي الاشتراك في البريد الإلكتروني", "شخص لديه رابط"),
], ids=["pl", "ar"])
async def test_a_coordinator_reads_the_audit_log_in_their_language(
        app: App, code: str, approved: str, refused: str, unsubscribed: str,
        by_link: str) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    pending = await add_person(app, Role.CHAMPION, Status.PENDING, address="pat")
    await speaks(app, carol, code)
    async with browser(app) as stranger:  # asks for a sign-in link for an unknown address
        await stranger.post("/dashboard/signin", data={"email": "nobody@example.org"})
    async with app.database.transaction() as session:  # an emailed unsubscribe link used
        await emails.opt_out(session, "ann@example.org", app.clock())
    async with browser(app) as client:
        await sign_in(app, client, carol)
        record = await client.get(f"/dashboard/champions/{pending}")
        await client.post(f"/dashboard/champions/{pending}/approve",
                          data={"csrf": csrf(record.text)})
        page = await client.get("/dashboard/audit")
    assert page.status_code == 200
    assert approved in page.text and refused in page.text
    assert unsubscribed in page.text and by_link in page.text
    for raw in ("signin_email_refused", "opted_out", "<td>link</td>", "approved"):
        assert raw not in page.text


async def test_an_action_the_log_does_not_know_is_shown_as_recorded(app: App) -> None:
    carol = await add_person(app, Role.COORDINATOR)
    await speaks(app, carol, "pl")
    async with app.database.transaction() as session:  # written by an older version, say
        session.add(AuditEntry(actor="cli", action="merged_records", person_id=carol,
                               detail={}, created_at=app.clock()))
    async with browser(app) as client:
        await sign_in(app, client, carol)
        page = await client.get("/dashboard/audit")
    assert page.status_code == 200 and "merged_records" in page.text


def test_every_action_written_to_the_log_has_a_label() -> None:
    assert set(get_args(audit.ActionName)) == set(audit.ACTIONS)


@pytest.mark.parametrize("code", [code for code in CODES if code != "en"])
def test_every_action_label_is_translated(code: str) -> None:
    with i18n.language(code):
        untranslated = [action for action, text in audit.ACTIONS.items()
                        if audit.label(action) == text]
    assert not untranslated, f"{code}: {untranslated}"


@pytest.mark.usefixtures("programme")
async def test_the_details_of_a_refusal_read_as_words_with_names(app: App) -> None:
    from sqlalchemy import select

    from bot.storage.models import Area

    carol = await add_person(app, Role.COORDINATOR)
    async with app.database.transaction() as session:
        northfield = await session.scalar(select(Area.id).where(Area.name == "Northfield"))
        assert northfield is not None
        session.add_all([
            AuditEntry(actor="link", action="refused", person_id=None, created_at=app.clock(),
                       detail={"attempted": "view_media", "reason": "expired"}),
            AuditEntry(actor="cli", action="refused", person_id=None, created_at=app.clock(),
                       detail={"attempted": "send_broadcast", "area_id": northfield,
                               "partner_id": None}),
            AuditEntry(actor="cli", action="refused", person_id=None, created_at=app.clock(),
                       detail={"attempted": "teleport", "shoe_size": 9})])  # not known
    async with browser(app) as client:
        await sign_in(app, client, carol)
        page = await client.get("/dashboard/audit")
    assert "Why: the link had expired" in page.text
    assert "Tried: a concern&#39;s photo or voice note" in page.text
    assert "Tried: sending a health message; Area: Northfield" in page.text
    assert "Tried: teleport; shoe_size: 9" in page.text  # as recorded
    for raw in ("view_media", "reason: expired", "area_id", "partner_id", "None"):
        assert raw not in page.text

    await speaks(app, carol, "pl")
    async with browser(app) as client:
        await sign_in(app, client, carol)
        page = await client.get("/dashboard/audit")
    with i18n.language("pl"):
        assert i18n.translate(audit.REASONS["expired"]) != "the link had expired"
        assert f"{i18n.translate(audit.KEYS['reason'])}: " \
               f"{i18n.translate(audit.REASONS['expired'])}" in page.text


@pytest.mark.parametrize("code", [code for code in CODES if code != "en"])
def test_every_detail_word_is_translated(code: str) -> None:
    words = [*audit.KEYS.values(), *audit.REASONS.values(), *audit.ATTEMPTS.values()]
    with i18n.language(code):
        untranslated = [text for text in words if i18n.translate(text) == text]
    assert not untranslated, f"{code}: {untranslated}"


def test_every_action_a_refusal_may_name_has_words() -> None:
    from bot.services.permissions import Action

    assert {action.value for action in Action} == set(audit.ATTEMPTS)
