"""A voice note a champion sends on WhatsApp with an urgent concern reaches the partner's
WhatsApp as a media URL: a signed link to our app which, fetched over real HTTP as Twilio
fetches it, returns the voice note."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.app import App
from bot.channels.whatsapp.media import MediaFetcher as TwilioMedia
from bot.media_fetch import MediaFetcher
from bot.services import invites, media
from bot.storage.models import Role
from tests.support.partners import add_partner
from tests.support.twilio_media import FakeTwilioMedia
from tests.support.whatsapp import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    UK_NUMBER,
    WhatsApp,
    joined,
)

pytestmark = pytest.mark.usefixtures("programme")

PARTNER_NUMBER = "+447700900456"
VOICE_NOTE = b"OggS\x00\x02" + bytes(200)


@pytest.fixture
def environ(environ: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**environ, "SECRET_KEY": "a-test-secret-of-some-length",
            "MEDIA_DIR": str(tmp_path / "media")}


async def test_a_whatsapp_voice_note_is_playable_by_the_partner_on_whatsapp(
    app: App, whatsapp: WhatsApp
) -> None:
    partner = await add_partner(app, areas=["all"])
    async with app.database.transaction() as session:
        made = await invites.create(session, Role.PARTNER, app.clock(), partner_id=partner)
    hana = whatsapp.phone(PARTNER_NUMBER)
    for answer in (f"JOIN {made.code}", "English", "1", "Hana"):
        await hana.says(answer)
    hana.sees("Welcome, Hana!")

    async with FakeTwilioMedia(ACCOUNT_SID, AUTH_TOKEN).running() as twilio_media:
        amina = await joined(whatsapp, UK_NUMBER, "en")
        for answer in ("menu", "2", "4"):
            await amina.says(answer)
        await amina.says("", NumMedia="1", MediaUrl0=twilio_media.add(VOICE_NOTE, "audio/ogg"),
                         MediaContentType0="audio/ogg", MessageType="audio")
        for answer in ("3", "1", "1", "1", "1"):
            await amina.says(answer)
        amina.sees("C-1001")
        await hana.reads()
        hana.sees("URGENT concern C-1001 for Northfield Housing",
                  "Photos or voice notes still being fetched: 1. They will follow.")

        # Fetched with our credentials, through Twilio's redirect (as `champbot run` does).
        fetching = app.settings.model_copy(update={"twilio_api_base_url": twilio_media.url})
        fetcher = MediaFetcher(app.database, {"whatsapp": TwilioMedia(fetching).fetch},
                               media.store(app.settings), app.clock, 16 * 1024 * 1024)
        assert await fetcher.drain() == 1
    await hana.reads()
    hana.sees("A file sent with concern C-1001:")
    (url,) = hana.received[-1].media_urls
    assert url.startswith(PUBLIC_BASE_URL + "/media/")

    played = await whatsapp.hooks.client.get(urlsplit(url).path)  # as Twilio fetches it
    assert played.status_code == 200
    assert played.headers["content-type"] == "audio/ogg"
    assert played.content == VOICE_NOTE
