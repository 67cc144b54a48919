"""Who may open what on the dashboard, over plain HTTP: every role × every route × whose
record, including ids guessed in the address. Refusals are audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.dashboard import sessions
from bot.dashboard.secrets import secret
from bot.dashboard.views import ROUTES
from bot.services import broadcasts, partners, roster
from bot.services.permissions import OPERATOR, Actor, Forbidden
from bot.storage.models import AuditEntry, Partner, Person, Role, Status
from tests.support.dashboard import browser
from tests.support.people import add_person

GUESSED = 987654
# Who is asking: a role and a status, or None for someone with no session at all.
VIEWERS = {
    "coordinator": (Role.COORDINATOR, Status.ACTIVE),
    "paused coordinator": (Role.COORDINATOR, Status.PAUSED),
    "champion": (Role.CHAMPION, Status.ACTIVE),
    "partner": (Role.PARTNER, Status.ACTIVE),
    "nobody": None,
}


def expected(viewer: str, method: str, path: str, whose: str) -> int:
    if viewer == "nobody":
        return 401
    if viewer != "coordinator":
        return 403
    if "{partner_id}" in path or "{broadcast_id}" in path:
        return _expected_by_id(method, path, whose)
    if "{person_id}" not in path:
        return 200
    if whose != "champion" or path.endswith("/approve"):  # not a champion / not waiting
        return 404
    return 303 if method == "POST" else 200


def _expected_by_id(method: str, path: str, whose: str) -> int:
    """A coordinator on a partner's or a broadcast's page (an empty form is shown again)."""
    if whose == "guessed":
        return 404
    if method == "GET" or path in ("/partners/{partner_id}", "/partners/{partner_id}/invite"):
        return 200
    return 303


async def _records(app: App) -> tuple[int, int]:
    """A partner and a broadcast to open: (partner id, broadcast id)."""
    async with app.database.transaction() as db:
        partner = await partners.add(db, partners.Changes(name="Surgery",
                                                          categories=["gp_access"]), app.clock())
        broadcast = await broadcasts.create_in(db, app.settings, OPERATOR, broadcasts.Request(
            texts={"en": "Hello"}), app.clock())
        return partner.id, broadcast


async def _session(app: App, person_id: int) -> tuple[str, str]:
    """A signed-in session for ``person_id``, however they got it: (cookie, form token)."""
    async with app.database.transaction() as db:
        key = await secret(db, app.settings, app.clock())
    started = sessions.start(person_id, app.clock())
    return sessions.encode(key, started, app.clock()), started.csrf


@pytest.mark.parametrize("viewer", list(VIEWERS))
async def test_every_route_for_every_role_and_record(app: App, viewer: str) -> None:
    champion = await add_person(app, Role.CHAMPION, address="sam")
    coordinator = await add_person(app, Role.COORDINATOR, address="carol")
    partner, broadcast = await _records(app)
    ids = {"{person_id}": {"champion": champion, "guessed": GUESSED,
                           "not a champion": coordinator},
           "{partner_id}": {"partner": partner, "guessed": GUESSED},
           "{broadcast_id}": {"broadcast": broadcast, "guessed": GUESSED}}
    shape = VIEWERS[viewer]
    me = await add_person(app, *shape, address="me") if shape else None
    wrong: list[str] = []
    async with browser(app) as client:
        token = "none"
        if me is not None:
            cookie, token = await _session(app, me)
            client.cookies.set(sessions.COOKIE, cookie)
        for path, methods, _action, _view in ROUTES:
            if path.startswith("/concerns"):
                continue  # whose escalation matters there: tests/test_dashboard_concerns_roles.py
            place = next((p for p in ids if p in path), None)
            for whose, record_id in (ids[place] if place else {"champion": 0}).items():
                url = "/dashboard" + (path.replace(place, str(record_id)) if place else path)
                for method in methods:
                    answer = await client.request(
                        method, url, data={"csrf": token} if method == "POST" else None)
                    want = expected(viewer, method, path, whose)
                    if answer.status_code != want:
                        wrong.append(f"{viewer} {method} {url} ({whose}): "
                                     f"{answer.status_code}, expected {want}")
                    await _reset(app, champion, partner)
    assert wrong == []
    if viewer not in ("coordinator", "nobody"):
        async with app.database.transaction() as db:
            refused = await db.scalar(select(func.count(AuditEntry.id)).where(
                AuditEntry.action == "refused", AuditEntry.actor == f"person:{me}"))
        assert refused and refused >= len(ROUTES)


async def _reset(app: App, champion: int, partner: int) -> None:
    async with app.database.transaction() as db:
        person = await db.get(Person, champion)
        assert person is not None
        person.status = Status.ACTIVE
        removed = await db.get(Partner, partner)
        assert removed is not None
        removed.removed_at = None


async def test_a_coordinator_of_some_areas_cannot_open_a_champion_elsewhere(app: App) -> None:
    champion = await add_person(app, Role.CHAMPION, address="sam")
    async with app.database.transaction() as db:
        person = await db.get(Person, champion)
        assert person is not None
        person.area_id = None
        local = Actor("person", Role.COORDINATOR, 1, areas=frozenset({1}))
        found = await roster.champion(db, local, champion, app.clock())  # no area: theirs
        assert found.id == champion
    async with app.database.transaction() as db:
        from bot.services import areas

        await areas.import_rows(db, [("north", "North"), ("south", "South")], app.clock())
    async with app.database.transaction() as db:
        person = await db.get(Person, champion)
        assert person is not None
        person.area_id = 2
    async with app.database.transaction() as db:
        local = Actor("person", Role.COORDINATOR, 1, areas=frozenset({1}))
        with pytest.raises(Forbidden):
            await roster.champion(db, local, champion, app.clock())
        page = await roster.champions(db, local, app.clock())
        assert page.total == 0
