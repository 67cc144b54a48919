"""What every dashboard page shares: the signed-in visit, the permission asked before the
view runs, CSRF on every form, and the refreshed session cookie after it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from bot.app import App
from bot.dashboard import sessions
from bot.dashboard.nav import NAV
from bot.dashboard.render import render
from bot.dashboard.secrets import secret
from bot.services import coordinators, permissions
from bot.services.permissions import Action, Actor, Forbidden
from bot.storage.models import Person, Status
from flows.i18n import N_

log = logging.getLogger(__name__)


@dataclass
class Visit:
    """One request from a signed-in person."""

    app: App
    request: Request
    db: AsyncSession
    now: datetime
    person: Person
    actor: Actor
    session: sessions.Session
    form: FormData | None = None

    @property
    def language(self) -> str:
        return self.person.language

    def allowed(self, action: Action) -> bool:
        return permissions.allowed(self.actor, action)

    def page(self, template: str, current: str, **values: Any) -> Response:
        nav = [item for item in NAV if self.allowed(item.action)]
        return render(template, self.language, 200, nav=nav, current=current,
                      csrf=self.session.csrf, viewer=self.person,
                      zone=self.app.settings.timezone, **values)

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)[:200]

    def number(self, name: str, default: int = 1) -> int:
        value = self.query(name)
        return int(value) if value.isdigit() and len(value) < 9 else default


View = Callable[[Visit], Awaitable[Response]]


def message(code: str, http_status: int, title: str, text: str, **values: Any) -> Response:
    """A plain page saying what happened and what to do (sign-in needed, refused...)."""
    return render("message.html", code, http_status, title=title, text=text, **values)


def secure(app: App, request: Request) -> bool:
    base = app.settings.public_base_url or ""
    return request.url.scheme == "https" or base.startswith("https://")


def guarded(app: App, action: Action, view: View) -> Callable[[Request], Awaitable[Response]]:
    """A route that runs ``view`` only for a signed-in person allowed ``action``."""

    async def endpoint(request: Request) -> Response:
        now = app.clock()
        fallback = app.settings.default_language
        async with app.database.transaction() as db:
            key = await secret(db, app.settings, now)
            session = sessions.decode(key, request.cookies.get(sessions.COOKIE), now)
            person = await db.get(Person, session.person_id) if session else None
            if session is None or person is None or person.status == Status.ERASED:
                return message(fallback, 401, N_("Please sign in"), N_(
                    "To open the dashboard, send /dashboard to the bot in your chat. It "
                    "sends you a link that signs you in; the link works once, for 15 "
                    "minutes."))
            actor = await coordinators.actor_of(db, person)
            form = await request.form() if request.method == "POST" else None
            if form is not None and not sessions.csrf_ok(session, form.get("csrf")):
                return message(person.language, 403, N_("This form has expired"), N_(
                    "Nothing was changed. Go back, reload the page and try again."))
            try:
                permissions.require(db, actor, Action.VIEW_DASHBOARD, None, now)
                permissions.require(db, actor, action, None, now)
                response = await view(Visit(app, request, db, now, person, actor, session,
                                            form))
            except Forbidden:
                response = message(person.language, 403, N_("Not allowed"), N_(
                    "Your role does not let you see this page. If you think it should, "
                    "ask your programme's coordinator."))
            except LookupError:
                response = message(person.language, 404, N_("Not found"), N_(
                    "There is nothing here. It may have been removed, or the address is "
                    "wrong."))
        response.set_cookie(sessions.COOKIE, sessions.encode(key, session, now),
                            max_age=int(sessions.IDLE.total_seconds()),
                            **sessions.cookie_options(secure(app, request)))
        return response

    return endpoint
