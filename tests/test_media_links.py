"""A concern's photos and voice notes reach the people who act on it: a signed, expiring
link for the partner it is routed to (and nobody else), the photo uploaded to a partner on
Telegram, each file listed by `concerns show`; after FORGET the link finds nothing."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from PIL import ExifTags, Image
from sqlalchemy import select

from bot import web
from bot.app import App
from bot.media_fetch import MediaFetcher
from bot.services import concernlist, escalations, media, media_links
from bot.services.permissions import OPERATOR
from bot.storage.models import Attachment, AuditEntry
from flows.types import Media
from tests.support.chat import Chat, joined, make_coordinator
from tests.support.clock import FakeClock
from tests.support.partners import add_partner, partner_contact
from tests.support.telegram_bot import RunningBot, running_bot
from tests.support.telegram_server import FakeTelegram
from tests.test_media import VOICE_NOTE, files_in, photo_with_gps

pytestmark = pytest.mark.usefixtures("programme")

SECRET = "a-test-secret-of-some-length"
MB = 1024 * 1024


@pytest.fixture
def environ(environ: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**environ, "SECRET_KEY": SECRET, "PUBLIC_BASE_URL": "https://champ.test",
            "MEDIA_DIR": str(tmp_path / "media")}


@pytest.fixture
async def browser(app: App) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=web.build(app))
    async with httpx.AsyncClient(transport=transport, base_url="https://champ.test") as client:
        yield client


async def raise_urgent_concern(chat: Chat, words: str, attachment: Media) -> None:
    await chat.says("/concern")
    await chat.says("4")  # housing and damp
    await chat.says(words, media=(attachment,))
    for answer in ["3", "1", "1", "1"]:  # many people, my area, at risk now, may contact me
        await chat.says(answer)
    await chat.says("1")  # save


async def fetched(app: App, data: bytes, channel: str = "console") -> int:
    async def fetch(ref: str, max_bytes: int) -> bytes:
        return data

    fetcher = MediaFetcher(app.database, {channel: fetch}, media.store(app.settings),
                           app.clock, 16 * MB)
    return await fetcher.drain()


async def only_attachment(app: App) -> Attachment:
    async with app.database.transaction() as session:
        (row,) = await session.scalars(select(Attachment))
        return row


async def refusals(app: App) -> list[dict[str, object]]:
    async with app.database.transaction() as session:
        return [{**entry.detail, "actor": entry.actor} for entry in await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "refused").order_by(AuditEntry.id))]


def without_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as picture:
        return not picture.getexif().get_ifd(ExifTags.IFD.GPSInfo)


async def test_the_partner_the_concern_is_routed_to_sees_the_photo_by_its_link(
    app: App, browser: httpx.AsyncClient
) -> None:
    housing = await add_partner(app)
    food = await add_partner(app, "Eastside Food Bank", categories=["cost_of_living"])
    amina = await joined(app, "amina")
    await raise_urgent_concern(amina, "Black mould", Media("photo", "p1", "image/jpeg"))
    assert await fetched(app, photo_with_gps()) == 1
    photo = await only_attachment(app)

    link = media_links.url_for(app.settings, photo.id, partner_id=housing, now=app.clock())
    response = await browser.get(link)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["content-disposition"] == "inline"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert response.content == media.store(app.settings).read(photo.stored_as or "")
    assert without_gps(response.content)

    other = await browser.get(media_links.url_for(app.settings, photo.id, partner_id=food,
                                                  now=app.clock()))
    assert other.status_code == 403 and "image" not in other.headers["content-type"]
    assert "You cannot do this with this link." in other.text
    (refusal,) = await refusals(app)
    assert (refusal["actor"], refusal["attempted"]) == (f"partner:{food}", "view_media")


async def test_a_forged_or_expired_link_is_refused_and_audited(
    app: App, browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    housing = await add_partner(app)
    amina = await joined(app, "amina")
    await raise_urgent_concern(amina, "Black mould", Media("photo", "p1", "image/jpeg"))
    await fetched(app, photo_with_gps())
    photo = await only_attachment(app)
    link = media_links.url_for(app.settings, photo.id, partner_id=housing, now=app.clock(),
                               valid_for=timedelta(hours=1))

    forged = await browser.get(link[:-3] + ("abc" if not link.endswith("abc") else "xyz"))
    assert forged.status_code == 403
    assert "This link is not valid." in forged.text
    clock.advance(hours=2)
    expired = await browser.get(link)
    assert expired.status_code == 410
    assert "This link has expired." in expired.text
    assert [r["reason"] for r in await refusals(app)] == ["forged", "expired"]


async def test_after_forget_the_link_finds_nothing_and_no_file_remains(
    app: App, browser: httpx.AsyncClient
) -> None:
    housing = await add_partner(app)
    amina = await joined(app, "amina")
    await raise_urgent_concern(amina, "Black mould", Media("voice", "v1", "audio/ogg"))
    await fetched(app, VOICE_NOTE)
    voice = await only_attachment(app)
    link = media_links.url_for(app.settings, voice.id, partner_id=housing, now=app.clock())
    assert (await browser.get(link)).content == VOICE_NOTE

    await amina.says("forget")
    await amina.says("1")  # yes, erase me

    gone = await browser.get(link)
    assert gone.status_code in (404, 410) and VOICE_NOTE not in gone.content
    assert files_in(app.settings.media_dir) == []


async def test_concerns_show_lists_each_file_with_a_working_link(
    app: App, browser: httpx.AsyncClient
) -> None:
    await add_partner(app)
    amina = await joined(app, "amina")
    await raise_urgent_concern(amina, "Black mould", Media("voice", "v1", "audio/ogg"))
    async with app.database.transaction() as session:
        before = await concernlist.show(session, app.settings, "C-1001", app.clock())
    assert before[-2:] == ["Attachments:", "     1  voice    audio/ogg                 -  pending"]
    await fetched(app, VOICE_NOTE)
    async with app.database.transaction() as session:
        after = await concernlist.show(session, app.settings, "C-1001", app.clock())
    line = after[-1]
    assert line.startswith("     1  voice    audio/ogg             206 B  stored  "
                           "https://champ.test/media/")
    assert (await browser.get(line.split()[-1])).content == VOICE_NOTE


@pytest.fixture
async def bot(app: App) -> AsyncIterator[RunningBot]:
    async with FakeTelegram().running() as server, running_bot(app, server, "polling") as run:
        yield run


async def test_a_telegram_photo_reaches_the_partner_on_telegram_without_gps(
    app: App, bot: RunningBot
) -> None:
    housing = await add_partner(app)
    hana = bot.telegram.person(2001, "Hana")
    bot.telegram.person(1101, "Amina")
    await partner_contact(app, "2001", housing, channel="telegram")
    bot.telegram.files["AgACAgQ-mould"] = photo_with_gps()
    amina = await joined(app, "1101", channel="telegram")
    await raise_urgent_concern(amina, "Black mould in three flats",
                               Media("photo", "AgACAgQ-mould", "image/jpeg"))
    await hana.sees("URGENT concern C-1001 for Northfield Housing",
                    "Photos or voice notes still being fetched: 1. They will follow.")

    assert bot.channel is not None
    fetcher = MediaFetcher(app.database, {"telegram": bot.channel.fetch_file},
                           media.store(app.settings), app.clock, 16 * MB)
    assert await fetcher.drain() == 1
    app.outbox_ready.set()
    await hana.sees("A file sent with concern C-1001:")
    (photo,) = [m for m in hana.messages if m.kind == "photo"]
    uploaded = bot.telegram.files[photo.file_id or ""]
    assert uploaded == media.store(app.settings).read((await only_attachment(app)).stored_as or "")
    assert without_gps(uploaded)


async def test_a_coordinator_on_telegram_gets_the_concern_photo_with_its_label(
    app: App, bot: RunningBot
) -> None:
    carol = bot.telegram.person(2002, "Carol")
    bot.telegram.person(1101, "Amina")
    coordinator = Chat(app, "2002", channel="telegram")
    for answer in ["JOIN COORD2026", "English", "1", "Carol", "1", "skip"]:
        await coordinator.says(answer)
    bot.telegram.files["AgACAgQ-mould"] = photo_with_gps()
    amina = await joined(app, "1101", channel="telegram")
    await raise_urgent_concern(amina, "Black mould in three flats",
                               Media("photo", "AgACAgQ-mould", "image/jpeg"))
    await carol.sees("URGENT concern C-1001",
                     "Photos or voice notes still being fetched: 1. They will follow.")
    told = len(carol.messages)

    assert bot.channel is not None
    fetcher = MediaFetcher(app.database, {"telegram": bot.channel.fetch_file},
                           media.store(app.settings), app.clock, 16 * MB)
    assert await fetcher.drain() == 1
    app.outbox_ready.set()
    await carol.sees("A file sent with concern C-1001:")

    # One message: the photo, with the words saying what it is as its caption (not the
    # picture first and "A file sent with concern C-1001:" after it, pointing at nothing).
    assert [(m.kind, m.text) for m in carol.messages[told:]] == [
        ("photo", "A file sent with concern C-1001:")]
    uploaded = bot.telegram.files[carol.latest.file_id or ""]
    assert uploaded == media.store(app.settings).read((await only_attachment(app)).stored_as or "")


async def test_the_coordinators_told_of_a_concern_get_its_photo_when_it_is_kept(
    app: App, browser: httpx.AsyncClient
) -> None:
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await raise_urgent_concern(amina, "Black mould", Media("photo", "p1", "image/jpeg"))
    await carol.reads()
    carol.sees("URGENT concern C-1001",
               "Photos or voice notes still being fetched: 1. They will follow.")

    await fetched(app, photo_with_gps())
    await carol.reads()
    carol.sees("A file sent with concern C-1001:")
    (sent,) = carol.recorder.to("carol")[-1].reply.media
    photo, partner, coordinator = media_links.parse_ref(sent.ref)
    assert (sent.kind, partner) == ("photo", None) and coordinator is not None
    shown = await browser.get(media_links.url_for(app.settings, photo,
                                                  coordinator_id=coordinator, now=app.clock()))
    assert shown.status_code == 200 and without_gps(shown.content)


async def test_a_service_the_concern_was_moved_from_can_no_longer_open_its_files(
    app: App, browser: httpx.AsyncClient
) -> None:
    housing = await add_partner(app)
    legal = await add_partner(app, "Riverside Legal Advice", categories=["other"], areas=["all"])
    amina = await joined(app, "amina")
    await raise_urgent_concern(amina, "Black mould", Media("photo", "p1", "image/jpeg"))
    assert await fetched(app, photo_with_gps()) == 1
    photo = await only_attachment(app)
    link = media_links.url_for(app.settings, photo.id, partner_id=housing, now=app.clock())
    assert (await browser.get(link)).status_code == 200

    async with app.database.transaction() as session:
        await escalations.act(session, OPERATOR, "C-1001", "route", None, app.clock(),
                              partner_id=legal)
    assert (await browser.get(link)).status_code == 403
    moved_to = media_links.url_for(app.settings, photo.id, partner_id=legal, now=app.clock())
    assert (await browser.get(moved_to)).status_code == 200
