"""Signing in by a one-time link, and signing out.

Opening the link shows a button; only pressing it uses the link. Chat apps open links to
draw a preview, and that must not use up someone's sign-in."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.app import App
from bot.dashboard import sessions
from bot.dashboard.limits import BadLinkLimiter
from bot.dashboard.pages import message, secure
from bot.dashboard.render import render
from bot.dashboard.secrets import secret
from bot.dashboard.tokens import BadLink, redeem_signin_token
from bot.services import audit, coordinators, partner_signin, permissions
from bot.services.permissions import Action
from bot.storage.models import Person
from flows.i18n import N_

REASONS = {
    "forged": N_("This sign-in link is not valid. Check you copied all of it, or ask for a "
                 "new one by sending /dashboard to the bot."),
    "expired": N_("This sign-in link has expired: links work for 15 minutes. Send "
                  "/dashboard to the bot for a new one."),
    "used": N_("This sign-in link has already been used: each link works once. Send "
               "/dashboard to the bot for a new one."),
}


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class SignIn:
    def __init__(self, app: App) -> None:
        self.app = app
        self.limiter = BadLinkLimiter()
        self.asked = BadLinkLimiter()  # "email me a link", per client address

    async def by_email(self, request: Request) -> Response:
        """GET: a form for a partner's email address; POST: a link by email if the address
        is on a partner's record (the answer is the same either way)."""
        code = self.app.settings.default_language
        if request.method == "GET":
            return render("signin_email.html", code)
        now = self.app.clock()
        if self.asked.blocked(_client(request), now):
            # Every ask counts (links by email are not to be sprayed at an inbox), so say
            # that, not "links that did not work", nor to ask a bot an email partner lacks.
            return message(code, 429, N_("Too many tries"), N_(
                "Too many sign-in links were asked for from here. Wait ten minutes, then ask "
                "again."))
        self.asked.failed(_client(request), now)
        address = str((await request.form()).get("email", ""))[:300]
        settings = self.app.settings
        base = settings.public_base_url or f"http://{settings.http_host}:{settings.http_port}"
        async with self.app.database.transaction() as db:
            await partner_signin.email_link(db, settings, base, address, now)
        self.app.outbox_ready.set()
        return message(code, 200, N_("Check your email"), N_(
            "If this address is on a partner service's record, a sign-in link is on its "
            "way. It works once, for 15 minutes."))

    async def _refuse(self, request: Request, reason: str, token: str) -> Response:
        now = self.app.clock()
        self.limiter.failed(_client(request), now)
        async with self.app.database.transaction() as db:
            audit.record(db, "web", "signin_refused", None, now, reason=reason,
                         token_start=token[:8])
        return message(self.app.settings.default_language, 410 if reason != "forged" else 400,
                       N_("This link cannot sign you in"), REASONS[reason])

    def _too_many(self) -> Response:
        return message(self.app.settings.default_language, 429, N_("Too many tries"), N_(
            "Too many sign-in links that did not work came from here. Wait ten minutes, then "
            "ask for a new link by sending /dashboard to the bot."))

    async def page(self, request: Request) -> Response:
        """GET: check the link and show a button to sign in (the link is not used yet)."""
        token = str(request.path_params["token"])
        if self.limiter.blocked(_client(request), self.app.clock()):
            return self._too_many()
        if request.method == "POST":
            return await self.redeem(request, token)
        return render("signin.html", self.app.settings.default_language, token=token)

    async def redeem(self, request: Request, token: str) -> Response:
        now = self.app.clock()
        async with self.app.database.transaction() as db:
            try:
                person_id = await redeem_signin_token(db, self.app.settings, token, now)
            except BadLink as bad:
                reason = bad.reason
            else:
                reason = ""
                person = await db.get(Person, person_id)
                actor = await coordinators.actor_of(db, person) if person else None
                if actor is None or not permissions.allowed(actor, Action.VIEW_DASHBOARD):
                    audit.record(db, "web", "signin_refused", person_id, now, reason="role")
                    return message(self.app.settings.default_language, 403, N_("Not allowed"),
                                   N_("The dashboard is for coordinators and partner "
                                      "services. Your role does not let you sign in."))
                audit.record(db, f"person:{person_id}", "signed_in", person_id, now)
                key = await secret(db, self.app.settings, now)
        if reason:
            return await self._refuse(request, reason, token)
        start = "/dashboard/concerns"
        if actor is not None and permissions.allowed(actor, Action.VIEW_OVERVIEW):
            start = "/dashboard/"
        response = RedirectResponse(start, status_code=303)
        response.set_cookie(sessions.COOKIE,
                            sessions.encode(key, sessions.start(person_id, now), now),
                            max_age=int(sessions.IDLE.total_seconds()),
                            **sessions.cookie_options(secure(self.app, request)))
        return response

    async def signout(self, request: Request) -> Response:
        now = self.app.clock()
        async with self.app.database.transaction() as db:
            key = await secret(db, self.app.settings, now)
        session = sessions.decode(key, request.cookies.get(sessions.COOKIE), now)
        form = await request.form()
        if session is not None and not sessions.csrf_ok(session, form.get("csrf")):
            return message(self.app.settings.default_language, 403,
                           N_("This form has expired"),
                           N_("Nothing was changed. Go back, reload the page and try again."))
        response = message(self.app.settings.default_language, 200, N_("You have signed out"),
                           N_("To come back, send /dashboard to the bot for a new link."))
        response.delete_cookie(sessions.COOKIE, **sessions.cookie_options(
            secure(self.app, request)))
        return response
