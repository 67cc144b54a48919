"""Signed links: what a token says can be trusted, until it expires, for its purpose only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import App
from bot.services import links
from tests.support.clock import FakeClock

SECRET = "a-test-secret-of-some-length"


def test_a_link_says_its_purpose_and_subject(clock: FakeClock) -> None:
    token = links.sign(SECRET, "escalation_ack", {"escalation": 7, "partner": 2},
                       now=clock(), valid_for=timedelta(days=14), language="pl")
    link = links.verify(SECRET, token, "escalation_ack", now=clock())
    assert link.subject == {"escalation": 7, "partner": 2}
    assert link.purpose == "escalation_ack" and link.once and link.language == "pl"
    assert link.expires_at == clock() + timedelta(days=14)


def test_a_changed_or_foreign_token_is_forged(clock: FakeClock) -> None:
    token = links.sign(SECRET, "unsubscribe", {"address": "a@b.test"}, now=clock(),
                       valid_for=timedelta(days=1))
    with pytest.raises(links.LinkForged):
        links.verify("another-secret-entirely", token, "unsubscribe", now=clock())
    with pytest.raises(links.LinkForged):
        links.verify(SECRET, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),
                     "unsubscribe", now=clock())
    with pytest.raises(links.LinkForged):
        links.verify(SECRET, "not-a-token", "unsubscribe", now=clock())


def test_a_link_expires(clock: FakeClock) -> None:
    token = links.sign(SECRET, "unsubscribe", {"address": "a@b.test"}, now=clock(),
                       valid_for=timedelta(minutes=15))
    clock.advance(minutes=14, seconds=59)
    links.verify(SECRET, token, "unsubscribe", now=clock())
    clock.advance(seconds=1)
    with pytest.raises(links.LinkExpired):
        links.verify(SECRET, token, "unsubscribe", now=clock())


def test_a_link_for_one_purpose_does_nothing_else(clock: FakeClock) -> None:
    token = links.sign(SECRET, "sign_in", {"person": 1}, now=clock(),
                       valid_for=timedelta(minutes=15))
    with pytest.raises(links.LinkWrongPurpose):
        links.verify(SECRET, token, "unsubscribe", now=clock())
    assert links.verify(SECRET, token, {"unsubscribe", "sign_in"}, now=clock()).subject == {
        "person": 1}


async def test_a_one_time_link_is_used_once(app: App, clock: FakeClock) -> None:
    token = links.sign(SECRET, "sign_in", {"person": 1}, now=clock(),
                       valid_for=timedelta(minutes=15))
    link = links.verify(SECRET, token, "sign_in", now=clock())
    async with app.database.transaction() as session:
        assert not await links.is_used(session, link)
        await links.use(session, link, clock())
    async with app.database.transaction() as session:
        assert await links.is_used(session, link)
        with pytest.raises(links.LinkUsed):
            await links.use(session, link, clock())
    clock.advance(minutes=16)
    async with app.database.transaction() as session:
        assert await links.sweep(session, clock()) == 1


async def test_a_reusable_link_is_never_used_up(app: App, clock: FakeClock) -> None:
    token = links.sign(SECRET, "unsubscribe", {"address": "a@b.test"}, now=clock(),
                       valid_for=timedelta(days=365), once=False)
    link = links.verify(SECRET, token, "unsubscribe", now=clock())
    async with app.database.transaction() as session:
        await links.use(session, link, clock())
        await links.use(session, link, clock())
        assert not await links.is_used(session, link)
