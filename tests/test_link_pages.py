"""The page behind a signed link, over real HTTP: GET shows a form and changes nothing,
POST does the action once; a bad link gets a clear page with a 4xx status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from bot import web
from bot.app import App
from bot.pages import act
from bot.pages.actions import ActionContext, ActionRefused, Field, LinkAction, Shown
from bot.services import audit, emails, links
from bot.storage.models import AuditEntry, Identity
from flows.i18n import _
from tests.support.clock import FakeClock
from tests.support.pages import Page
from tests.support.servers import serve

SECRET = "a-test-secret-of-some-length"


@pytest.fixture
def environ(database_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "PROGRAMME_NAME": "Riverside Health Champions",
            "SECRET_KEY": SECRET, "PUBLIC_BASE_URL": "https://champ.test"}


async def describe_note(ctx: ActionContext) -> Shown:
    if ctx.link.subject["partner"] != 1:
        audit.record(ctx.session, f"partner:{ctx.link.subject['partner']}", "refused", None,
                     ctx.now, attempted="resolve")
        raise ActionRefused("This concern is not for your organisation.")
    return Shown(title="Resolve C-1042", button="Resolve", lines=["Damp in a flat."],
                 fields=[Field("note", "A short note for the champion", required=True,
                               max_length=40)])


async def perform_note(ctx: ActionContext) -> str:
    audit.record(ctx.session, "partner:1", "resolved", None, ctx.now, note=ctx.form["note"])
    return _("Done")


RESOLVE = LinkAction("resolve_test", describe_note, perform_note)


async def perform_badly(ctx: ActionContext) -> str:
    audit.record(ctx.session, "partner:1", "half_done", None, ctx.now)
    raise RuntimeError("a bug of ours")


BROKEN = LinkAction("broken_test", describe_note, perform_badly)


@pytest.fixture
async def site(app: App) -> AsyncIterator[str]:
    routes = act.routes(app, actions=[*act.ACTIONS, RESOLVE, BROKEN])
    async with serve(Starlette(routes=routes)) as url:
        yield url


@pytest.fixture
async def browser(site: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site) as client:
        yield client


def sign(clock: FakeClock, purpose: str, valid_for: timedelta = timedelta(days=1),
         **subject: str | int) -> str:
    return links.sign(SECRET, purpose, subject, now=clock(), valid_for=valid_for)


async def opted_out(app: App, address: str) -> bool:
    async with app.database.transaction() as session:
        identity = await session.scalar(select(Identity).where(
            Identity.channel == "email", Identity.address == address))
        return identity is not None and identity.opted_out_at is not None


async def audit_actions(app: App) -> list[tuple[str, dict[str, object]]]:
    async with app.database.transaction() as session:
        return [(e.action, e.detail) for e in await session.scalars(
            select(AuditEntry).order_by(AuditEntry.id))]


async def test_unsubscribe_by_link_get_form_then_post(app: App, browser: httpx.AsyncClient,
                                                      clock: FakeClock) -> None:
    url = emails.unsubscribe_url(app.settings, "Ann@Example.org", clock())
    assert url.startswith("https://champ.test/act/")
    path = url.removeprefix("https://champ.test")

    shown = Page.of(await browser.get(path))
    assert shown.status == 200
    assert shown.sees("Stop all emails from Riverside Health Champions to ann@example.org?")
    assert await browser.head(path) is not None
    assert not await opted_out(app, "ann@example.org")  # looking changes nothing

    done = Page.of(await browser.post(path, data=shown.form))
    assert done.status == 200 and done.sees("We will not email ann@example.org again.")
    assert await opted_out(app, "ann@example.org")
    assert ("opted_out", {"channel": "email"}) in await audit_actions(app)


async def test_the_page_speaks_the_links_language_right_to_left(
        app: App, browser: httpx.AsyncClient, clock: FakeClock) -> None:
    token = links.sign(SECRET, "unsubscribe", {"address": "a@b.test"}, now=clock(),
                       valid_for=timedelta(days=1), language="ar")
    page = Page.of(await browser.get(f"/act/{token}"))
    assert page.direction == "rtl" and 'lang="ar"' in page.html
    assert not page.sees("Stop all emails")
    polish = Page.of(await browser.get(f"/act/{token}?lang=pl"))
    assert polish.direction == "ltr" and 'lang="pl"' in polish.html


async def test_a_forged_link_is_refused_clearly(browser: httpx.AsyncClient,
                                                clock: FakeClock) -> None:
    forged = links.sign("someone-elses-secret-key", "unsubscribe", {"address": "a@b.test"},
                        now=clock(), valid_for=timedelta(days=1))
    for response in (await browser.get(f"/act/{forged}"),
                     await browser.post(f"/act/{forged}", data={"csrf": "x"}),
                     await browser.get("/act/garbage")):
        page = Page.of(response)
        assert page.status == 400
        assert page.sees("This link is not valid.")


async def test_an_expired_link_is_refused(browser: httpx.AsyncClient, clock: FakeClock) -> None:
    token = sign(clock, "unsubscribe", timedelta(minutes=15), address="a@b.test")
    clock.advance(minutes=15)
    page = Page.of(await browser.get(f"/act/{token}"))
    assert page.status == 410 and page.sees("This link has expired.")


async def test_a_link_for_something_else_is_refused(browser: httpx.AsyncClient,
                                                    clock: FakeClock) -> None:
    token = sign(clock, "sign_in", person=1)
    page = Page.of(await browser.get(f"/act/{token}"))
    assert page.status == 400 and page.sees("This link is not meant for this page.")


async def test_a_one_time_link_works_once(app: App, browser: httpx.AsyncClient,
                                          clock: FakeClock) -> None:
    path = f"/act/{sign(clock, 'resolve_test', partner=1, escalation=7)}"
    shown = Page.of(await browser.get(path))
    assert shown.sees("Resolve C-1042") and shown.boxes == ["note"]

    empty = Page.of(await browser.post(path, data=shown.form))
    assert empty.status == 400 and empty.sees("Please fill in: A short note for the champion")
    long = Page.of(await browser.post(path, data={**shown.form, "note": "x" * 41}))
    assert long.status == 400 and long.sees("under 40 characters")
    assert await audit_actions(app) == []

    done = Page.of(await browser.post(path, data={**shown.form, "note": " Fixed the leak "}))
    assert done.status == 200 and done.sees("Done")
    assert await audit_actions(app) == [("resolved", {"note": "Fixed the leak"})]

    again = Page.of(await browser.post(path, data={**shown.form, "note": "Twice"}))
    assert again.status == 410 and again.sees("This link has already been used")
    assert Page.of(await browser.get(path)).status == 410
    refused = {"reason": "used", "purpose": "resolve_test", "partner": 1, "escalation": 7}
    assert await audit_actions(app) == [("resolved", {"note": "Fixed the leak"}),
                                        ("link_refused", refused), ("link_refused", refused)]


async def test_a_post_without_the_pages_form_token_changes_nothing(
        app: App, browser: httpx.AsyncClient, clock: FakeClock) -> None:
    path = f"/act/{sign(clock, 'resolve_test', partner=1, escalation=7)}"
    page = Page.of(await browser.post(path, data={"note": "From elsewhere"}))
    assert page.status == 400 and page.sees("This form has expired.")
    assert await audit_actions(app) == []


async def test_a_link_for_another_organisation_is_refused_and_audited(
        app: App, browser: httpx.AsyncClient, clock: FakeClock) -> None:
    path = f"/act/{sign(clock, 'resolve_test', partner=2, escalation=7)}"
    page = Page.of(await browser.get(path))
    assert page.status == 403 and page.sees("This concern is not for your organisation.")
    assert await audit_actions(app) == [("refused", {"attempted": "resolve"})]


async def test_champbot_web_app_serves_link_pages_only_with_a_secret(
        app: App, clock: FakeClock) -> None:
    token = sign(clock, "unsubscribe", address="a@b.test")
    transport = httpx.ASGITransport(app=web.build(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get(f"/act/{token}")).status_code == 200


async def test_a_failure_of_ours_apologises_and_changes_nothing(
        app: App, browser: httpx.AsyncClient, clock: FakeClock) -> None:
    path = f"/act/{sign(clock, 'broken_test', partner=1, escalation=7)}"
    shown = Page.of(await browser.get(path))
    page = Page.of(await browser.post(path, data={**shown.form, "note": "Fixed"}))
    assert page.status == 500 and page.sees("Sorry, something went wrong on our side.")
    assert await audit_actions(app) == []
    assert Page.of(await browser.get(path)).status == 200  # the link still works
