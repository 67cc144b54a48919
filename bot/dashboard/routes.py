"""The dashboard mounted at /dashboard on the one Starlette app."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.app import App
from bot.dashboard import charts
from bot.dashboard.pages import guarded
from bot.dashboard.views import ROUTES
from bot.dashboard.views.signin import SignIn


def routes(app: App) -> list[BaseRoute]:
    signin = SignIn(app)
    pages: list[BaseRoute] = [
        Route(path, guarded(app, action, view), methods=list(methods))
        for path, methods, action, view in ROUTES
    ]
    return [Mount("/dashboard", routes=[
        Mount("/static", app=StaticFiles(packages=[("bot.dashboard", "static")]),
              name="static"),
        Route("/signin", signin.by_email, methods=["GET", "POST"]),
        Route("/signin/{token}", signin.page, methods=["GET", "POST"]),
        Route("/signout", signin.signout, methods=["POST"]),
        Route("/charts/{token}.png", charts.endpoint(app), methods=["GET"]),
        *pages,
    ])]
