"""Who may open and act on concerns on the dashboard, over plain HTTP: every viewer × every
concerns route × whose escalation (organisation A's, organisation B's, an id guessed in the
address) → allowed or refused, every cell."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from bot.app import App
from bot.dashboard import sessions
from bot.dashboard.secrets import secret
from bot.dashboard.views import ROUTES
from bot.storage.models import AuditEntry, Escalation, EscalationStatus, Person, Role
from tests.support.chat import joined
from tests.support.dashboard import browser
from tests.support.partners import add_partner
from tests.support.people import add_person
from tests.test_dashboard_concerns import escalation_of, raise_concern

pytestmark = pytest.mark.usefixtures("programme")

GUESSED = 987654
VIEWERS = ("coordinator", "partner of A", "partner of B", "champion", "nobody")
WHOSE = ("A's", "B's", "guessed")
CONCERN_ROUTES = [r for r in ROUTES if r[0].startswith("/concerns")]


def expected(viewer: str, method: str, path: str, whose: str) -> int:
    if viewer == "nobody":
        return 401
    if viewer == "champion":
        return 403
    if "{escalation_id}" not in path:
        return 200
    done = 303 if method == "POST" else 200
    if viewer == "coordinator":
        return 404 if whose == "guessed" else done
    own = "A's" if viewer == "partner of A" else "B's"
    if whose == own:
        return done
    # Another organisation's: refused (and audited); a guessed id: nothing to show, and
    # nothing a partner may act on.
    return 404 if whose == "guessed" and method == "GET" else 403


async def _session(app: App, person_id: int) -> tuple[str, str]:
    async with app.database.transaction() as db:
        key = await secret(db, app.settings, app.clock())
    started = sessions.start(person_id, app.clock())
    return sessions.encode(key, started, app.clock()), started.csrf


async def _people(app: App) -> tuple[dict[str, int | None], int, int]:
    a = await add_partner(app)
    b = await add_partner(app, "Food Bank", categories=["cost_of_living"])
    people: dict[str, int | None] = {
        "coordinator": await add_person(app, Role.COORDINATOR, address="carol"),
        "partner of A": await add_person(app, Role.PARTNER, address="hana"),
        "partner of B": await add_person(app, Role.PARTNER, address="bo"),
        "champion": await add_person(app, Role.CHAMPION, address="sam"),
        "nobody": None}
    async with app.database.transaction() as db:
        for name, partner in (("partner of A", a), ("partner of B", b)):
            await db.execute(update(Person).where(Person.id == people[name])
                             .values(partner_id=partner))
    return people, a, b


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_every_concerns_route_for_every_viewer_and_escalation(app: App,
                                                                    viewer: str) -> None:
    people, a_id, b_id = await _people(app)
    amina = await joined(app, "amina")
    ids = {"A's": await escalation_of(app, await raise_concern(app, amina), a_id),
           "B's": await escalation_of(app, await raise_concern(
               app, amina, category="cost_of_living", words="No food"), b_id),
           "guessed": GUESSED}
    me = people[viewer]
    wrong: list[str] = []
    async with browser(app) as client:
        token = "none"
        if me is not None:
            cookie, token = await _session(app, me)
            client.cookies.set(sessions.COOKIE, cookie)
        for path, methods, _action, _view in CONCERN_ROUTES:
            for whose, escalation in ids.items():
                if "{escalation_id}" not in path and whose != "A's":
                    continue
                url = "/dashboard" + path.replace("{escalation_id}", str(escalation))
                for method in methods:
                    data = {"csrf": token, "action": "ack"} if method == "POST" else None
                    answer = await client.request(method, url, data=data)
                    want = expected(viewer, method, path, whose)
                    if answer.status_code != want:
                        wrong.append(f"{viewer} {method} {url} ({whose}): "
                                     f"{answer.status_code}, expected {want}")
                    async with app.database.transaction() as db:  # as it was, for the next
                        await db.execute(update(Escalation).values(
                            status=EscalationStatus.NEW))
    assert wrong == []
    if viewer.startswith("partner"):
        async with app.database.transaction() as db:
            refused = await db.scalar(select(func.count(AuditEntry.id)).where(
                AuditEntry.action == "refused", AuditEntry.actor == f"person:{me}"))
        assert refused and refused >= 2  # another organisation's: seen and acted on
