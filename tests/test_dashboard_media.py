"""A concern's photo and voice note on its dashboard page, over plain HTTP: shown to the
partner it is routed to and to coordinators through signed /media links; a file still
being fetched is said to be; another organisation's partner sees neither page nor file."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from bot.app import App
from tests.email.test_partner_media import (
    PHOTO,
    fetch_files,
    raise_concern_with_files,
)
from tests.support.chat import joined, make_coordinator
from tests.support.dashboard import browser
from tests.support.pages import Page
from tests.support.partners import add_partner, partner_contact
from tests.test_dashboard_concerns import escalation_of, signed_in_by_chat
from tests.test_media import VOICE_NOTE
from tests.test_media_links import without_gps

pytestmark = pytest.mark.usefixtures("programme")

SECRET = "a-test-secret-of-some-length"
IMG = re.compile(r'<img src="(/media/[^"]+)" alt="([^"]+)"')
AUDIO = re.compile(r'<audio controls preload="metadata" src="(/media/[^"]+)"')


@pytest.fixture
def environ(environ: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**environ, "SECRET_KEY": SECRET, "MEDIA_DIR": str(tmp_path / "media")}


async def files_on(client: httpx.AsyncClient, escalation: int) -> tuple[str, str, str]:
    """The photo's address and description and the voice note's address, on the page."""
    page = await client.get(f"/dashboard/concerns/{escalation}")
    assert page.status_code == 200
    [(photo, alt)] = IMG.findall(page.text)
    [voice] = AUDIO.findall(page.text)
    return photo, alt, voice


async def test_the_partner_and_the_coordinator_see_the_photo_and_hear_the_voice_note(
        app: App) -> None:
    housing = await add_partner(app)
    food = await add_partner(app, "Eastside Food Bank", categories=["cost_of_living"])
    hana = await partner_contact(app, "hana", housing)
    dana = await partner_contact(app, "dana", food, name="Dana")
    carol = await make_coordinator(app)
    amina = await joined(app, "amina")
    await raise_concern_with_files(amina, "Black mould in the flats", urgency="2")
    mine = await escalation_of(app, 1, housing)

    async with browser(app) as client:
        await signed_in_by_chat(app, client, hana)
        waiting = Page.of(await client.get(f"/dashboard/concerns/{mine}"))
        assert waiting.sees("Photos and voice notes")
        assert waiting.sees("Photo 1 · still being fetched")
        assert waiting.sees("Voice note 2 · still being fetched")
        assert "<img" not in waiting.html and "<audio" not in waiting.html

        assert await fetch_files(app) == 2
        photo, alt, voice = await files_on(client, mine)
        assert alt == "Photo 1 sent with concern C-1001"
        shown = await client.get(photo)
        assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
        assert without_gps(shown.content) and shown.content != PHOTO
        played = await client.get(voice)
        assert played.status_code == 200 and played.headers["content-type"] == "audio/ogg"
        assert played.content == VOICE_NOTE

    async with browser(app) as client:
        await signed_in_by_chat(app, client, carol)
        photo, _alt, voice = await files_on(client, mine)
        assert (await client.get(photo)).headers["content-type"] == "image/jpeg"
        assert (await client.get(voice)).content == VOICE_NOTE

    async with browser(app) as client:
        await signed_in_by_chat(app, client, dana)
        refused = await client.get(f"/dashboard/concerns/{mine}")
        assert refused.status_code == 403
        assert "/media/" not in refused.text and "Black mould" not in refused.text
