"""A partner reached only by email sees the photos and hears the voice notes of its concerns:
the urgent alert and the digest carry a signed link per file; the test reads the email from a
local SMTP server and opens each link over real HTTP. The photo comes without its GPS
position; a link made for another partner is refused. The chat digest carries the same links.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from bot.app import App
from bot.media_fetch import MediaFetcher
from bot.services import digests, links, media, media_links
from bot.storage.models import Partner
from flows.types import Media
from tests.email.test_partner_email import SITE, mail
from tests.support.chat import Chat, joined
from tests.support.clock import FakeClock
from tests.support.partners import add_partner, partner_contact
from tests.support.smtp_server import FakeSmtp, Received
from tests.test_media import VOICE_NOTE, photo_with_gps
from tests.test_media_links import without_gps

pytestmark = pytest.mark.usefixtures("programme")

SECRET = "a-test-secret-of-some-length"
MB = 1024 * 1024
PHOTO = photo_with_gps()
FILES = {"photo-1": PHOTO, "voice-1": VOICE_NOTE}


@pytest.fixture
def environ(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "PROGRAMME_NAME": "Riverside Health Champions",
            "SECRET_KEY": SECRET, "PUBLIC_BASE_URL": SITE,
            "MEDIA_DIR": str(tmp_path / "media")}


async def raise_concern_with_files(chat: Chat, words: str, urgency: str) -> None:
    await chat.says("/concern")
    await chat.says("4")  # housing and damp
    await chat.says(words, media=(Media("photo", "photo-1", "image/jpeg"),
                                  Media("voice", "voice-1", "audio/ogg")))
    for answer in ["3", "1", urgency, "1"]:  # many people, my area, urgency, may contact me
        await chat.says(answer)
    await chat.says("1")  # save


async def fetch_files(app: App) -> int:
    async def fetch(ref: str, max_bytes: int) -> bytes:
        return FILES[ref]

    return await MediaFetcher(app.database, {"console": fetch}, media.store(app.settings),
                              app.clock, 16 * MB).drain()


def file_links(text: str) -> dict[str, str]:
    """Each file's link by its label ("Photo 1"), from a message's plain text."""
    found = dict(re.findall(rf"^\s*((?:Photo|Voice note) \d+): ({re.escape(SITE)}/media/\S+)$",
                            text.replace("\r\n", "\n"), re.M))
    return {label: address.removeprefix(SITE) for label, address in found.items()}


async def test_an_urgent_alert_email_links_each_file_for_that_partner_only(
        app: App, smtp: FakeSmtp, browser: httpx.AsyncClient) -> None:
    housing = await add_partner(app, emails=["damp@council.example"])
    food = await add_partner(app, "Eastside Food Bank", categories=["cost_of_living"],
                             emails=["help@foodbank.example"])
    amina = await joined(app, "amina", name="Amina")
    await raise_concern_with_files(amina, "Black mould in every flat", urgency="1")
    assert await fetch_files(app) == 2

    [email] = await mail(app, smtp)
    assert email.recipients == ("damp@council.example",)
    found = file_links(email.text)
    assert list(found) == ["Photo 1", "Voice note 2"]
    assert all(SITE + path in (email.html or "") for path in found.values())
    assert "Links to photos and voice notes can be opened again until" in email.text

    photo = await browser.get(found["Photo 1"])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert without_gps(photo.content)
    voice = await browser.get(found["Voice note 2"])
    assert voice.status_code == 200 and voice.headers["content-type"] == "audio/ogg"
    assert voice.content == VOICE_NOTE

    # The same file by a link signed for another organisation is refused.
    token = found["Photo 1"].removeprefix(media_links.PATH)
    attachment_id = int(links.verify(SECRET, token, media_links.PURPOSE,
                                     now=app.clock()).subject["a"])
    other = media_links.url_for(app.settings, attachment_id, partner_id=food, now=app.clock())
    refused = await browser.get(other.removeprefix(SITE))
    assert refused.status_code == 403 and PHOTO not in refused.content
    assert "You cannot do this with this link." in refused.text
    mine = media_links.url_for(app.settings, attachment_id, partner_id=housing, now=app.clock())
    assert (await browser.get(mine.removeprefix(SITE))).status_code == 200


async def digest_of(app: App, partner_id: int, smtp: FakeSmtp) -> Received:
    async with app.database.transaction() as session:
        partner = await session.get(Partner, partner_id)
        assert partner is not None
        await digests.send(session, partner, app.clock(), app.settings)
    [email] = await mail(app, smtp)
    return email


async def test_a_non_urgent_concerns_files_reach_the_partner_in_the_digest(
        app: App, smtp: FakeSmtp, browser: httpx.AsyncClient, clock: FakeClock) -> None:
    housing = await add_partner(app, emails=["damp@council.example"])
    hana = await partner_contact(app, "hana", housing)
    amina = await joined(app, "amina", name="Amina")
    await raise_concern_with_files(amina, "Damp in the stairwell", urgency="2")
    assert await fetch_files(app) == 2
    assert await mail(app, smtp) == []  # not urgent: nothing until the digest
    clock.advance(hours=20)

    email = await digest_of(app, housing, smtp)
    assert email.subject == "Digest for Northfield Housing"
    first = file_links(email.text)
    assert list(first) == ["Photo 1", "Voice note 2"]
    photo = await browser.get(first["Photo 1"])
    assert photo.status_code == 200 and without_gps(photo.content)
    assert (await browser.get(first["Voice note 2"])).content == VOICE_NOTE

    await hana.reads()  # the chat digest carries a link per file too
    hana.sees("Digest for Northfield Housing", "Damp in the stairwell")
    in_chat = file_links(hana.last)
    assert list(in_chat) == ["Photo 1", "Voice note 2"]
    assert (await browser.get(in_chat["Photo 1"])).headers["content-type"] == "image/jpeg"

    clock.advance(days=13)  # still open: the next digests carry fresh links
    later = file_links((await digest_of(app, housing, smtp)).text)
    assert (await browser.get(later["Voice note 2"])).status_code == 200
    clock.advance(days=2)  # the first digest's links have expired
    assert (await browser.get(first["Photo 1"])).status_code == 410
