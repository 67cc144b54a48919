"""Photos and voice notes sent with a concern: fetched at once through the channel's own
API, checked by their content, kept without location metadata, erased with the person."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import App
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.whatsapp.media import MediaFetcher as TwilioMedia
from bot.media_fetch import MediaFetcher
from bot.services import media
from bot.services.media_checks import Kept, Refusal, check
from bot.services.media_store import FolderStore
from bot.storage.models import Attachment, Concern, ConcernStatus, MediaState
from flows.types import Media
from tests.support.chat import Chat, joined, make_coordinator, t
from tests.support.clock import FakeClock
from tests.support.telegram_server import FakeTelegram
from tests.support.twilio_media import FakeTwilioMedia

pytestmark = pytest.mark.usefixtures("programme")

MB = 1024 * 1024


def photo_with_gps(size: tuple[int, int] = (40, 20)) -> bytes:
    """A JPEG as a phone takes it: rotated by EXIF, with the GPS position of the street."""
    image = Image.new("RGB", size, "green")
    exif = image.getexif()
    exif[ExifTags.Base.Orientation] = 6  # turn 90° to show upright
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 28.0, 9.0),
        ExifTags.GPS.GPSLongitudeRef: "W", ExifTags.GPS.GPSLongitude: (1.0, 53.0, 2.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


VOICE_NOTE = b"OggS\x00\x02" + bytes(200)  # the start of an Ogg Opus voice note
DISGUISED = b"MZ\x90\x00" + bytes(100)  # a Windows program sent as "image/jpeg"


async def raise_concern(chat: Chat, words: str, attachment: Media) -> None:
    await chat.says("/concern")
    await chat.says("4")  # housing and damp
    await chat.says(words, media=(attachment,))
    for answer in ["3", "1", "2", "1"]:  # many people, my area, soon, may contact me
        await chat.says(answer)
    await chat.says("1")  # save


async def attachments_now(app: App) -> list[Attachment]:
    async with app.database.transaction() as session:
        return list(await session.scalars(select(Attachment).order_by(Attachment.id)))


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.fixture
def media_dir(app: App, tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    app.settings = app.settings.model_copy(update={"media_dir": folder})
    return folder


def test_a_photo_keeps_its_picture_upright_and_loses_its_position_and_camera() -> None:
    original = Image.open(io.BytesIO(photo_with_gps()))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the phone wrote where it was

    kept = check(photo_with_gps(), 16 * MB)

    assert isinstance(kept, Kept) and kept.content_type == "image/jpeg"
    cleaned = Image.open(io.BytesIO(kept.data))
    assert not cleaned.getexif()  # no GPS, no camera, no orientation left to apply
    assert b"PhoneMaker" not in kept.data
    assert cleaned.size == (20, 40)  # turned as the phone showed it


def test_a_file_is_judged_by_its_content_and_its_size() -> None:
    assert check(DISGUISED, 16 * MB) == Refusal("not_allowed")
    assert check(b"\xff\xd8\xff but not a picture", 16 * MB) == Refusal("unreadable")
    assert check(photo_with_gps(), 100) == Refusal("too_large")
    assert check(VOICE_NOTE, 16 * MB) == Kept(VOICE_NOTE, "audio/ogg")
    assert check(b"%PDF-1.7 a letter from the landlord", 16 * MB) == Kept(
        b"%PDF-1.7 a letter from the landlord", "application/pdf")


def test_files_are_named_at_random_and_readable_only_by_us(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "media")
    first, second = store.put(b"one"), store.put(b"one")
    assert first != second and len(first) == 32
    assert store.read(first) == b"one"
    (path,) = [p for p in files_in(tmp_path / "media") if p.name == first]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    store.delete(first)
    assert sorted(store.names()) == [second]
    with pytest.raises(ValueError, match="not a media file name"):
        store.read("../../etc/passwd")


async def test_a_telegram_photo_is_fetched_through_the_bot_api_and_kept_without_gps(
    app: App, media_dir: Path
) -> None:
    async with FakeTelegram().running() as telegram:
        telegram.files["AgACAgQ-mould"] = photo_with_gps()
        app.settings = app.settings.model_copy(update={
            "telegram_bot_token": SecretStr(telegram.token),
            "telegram_api_base_url": telegram.base_url})
        channel = TelegramChannel(app)
        await channel.application.initialize()
        channel.connected.set()
        try:
            amina = await joined(app, "1101", channel="telegram")
            await raise_concern(amina, "Black mould in three flats",
                                Media("photo", "AgACAgQ-mould", "image/jpeg"))
            amina.sees("C-1001")
            fetcher = MediaFetcher(app.database, {"telegram": channel.fetch_file},
                                   media.store(app.settings), app.clock, 16 * MB)
            assert await fetcher.drain() == 1
        finally:
            await channel.close()

    (attachment,) = await attachments_now(app)
    assert attachment.state is MediaState.STORED and attachment.stored_as
    (path,) = files_in(media_dir)
    assert path.name == attachment.stored_as  # a random name, not the sender's
    with Image.open(path) as kept:
        assert not kept.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert attachment.size == path.stat().st_size and attachment.sha256 and len(
        attachment.sha256) == 64


async def test_a_whatsapp_voice_note_is_fetched_with_our_credentials_through_the_redirect(
    app: App, media_dir: Path
) -> None:
    async with FakeTwilioMedia("AC" + "1" * 32, "twilio-token").running() as twilio:
        app.settings = app.settings.model_copy(update={
            "twilio_account_sid": twilio.account_sid,
            "twilio_auth_token": SecretStr(twilio.auth_token),
            "twilio_api_base_url": twilio.url})
        url = twilio.add(VOICE_NOTE, "audio/ogg")
        samira = await joined(app, "+447700900123", "so", channel="whatsapp")
        await raise_concern(samira, "", Media("voice", url, "audio/ogg"))
        fetcher = MediaFetcher(app.database, {"whatsapp": TwilioMedia(app.settings).fetch},
                               media.store(app.settings), app.clock, 16 * MB)
        assert await fetcher.drain() == 1

    (attachment,) = await attachments_now(app)
    assert (attachment.state, attachment.content_type) == (MediaState.STORED, "audio/ogg")
    assert media.store(app.settings).read(attachment.stored_as or "") == VOICE_NOTE
    assert twilio.credentials_leaked == 0 and twilio.refused == 0


@pytest.mark.parametrize(("code", "data", "limit", "why"), [
    ("en", b"\xff\xd8\xff" + bytes(2 * MB), MB, "it is larger than {size} MB"),
    ("pl", DISGUISED, 16 * MB, "only photos, voice notes, audio, video and PDF files can be kept"),
])
async def test_a_refused_file_is_not_kept_the_concern_is_and_the_champion_hears_why(
    app: App, media_dir: Path, code: str, data: bytes, limit: int, why: str
) -> None:
    amina = await joined(app, "amina", code)
    await raise_concern(amina, "Black mould", Media("photo", "file-1", "image/jpeg"))

    async def fetch(ref: str, max_bytes: int) -> bytes:
        return data

    fetcher = MediaFetcher(app.database, {"console": fetch}, media.store(app.settings),
                           app.clock, limit)
    await fetcher.drain()

    (attachment,) = await attachments_now(app)
    assert attachment.state is MediaState.REFUSED and attachment.stored_as is None
    assert files_in(media_dir) == []
    async with app.database.transaction() as session:
        (concern,) = list(await session.scalars(select(Concern)))
    assert concern.description == "Black mould" and concern.status is ConcernStatus.RECEIVED
    await amina.reads()
    amina.sees("C-1001", t(code, why, size=1))


async def test_a_fetch_that_keeps_failing_is_retried_then_counted_for_coordinators(
    app: App, media_dir: Path, clock: FakeClock
) -> None:
    amina = await joined(app, "amina")
    await raise_concern(amina, "Black mould", Media("photo", "file-1", "image/jpeg"))
    calls = 0

    async def unreachable(ref: str, max_bytes: int) -> bytes:
        nonlocal calls
        calls += 1
        raise ConnectionError("platform down")

    fetcher = MediaFetcher(app.database, {"console": unreachable}, media.store(app.settings),
                           app.clock, 16 * MB)
    await fetcher.drain()
    assert calls == 1  # the next try waits for its backoff
    await fetcher.drain()
    assert calls == 1
    for _ in range(10):
        clock.advance(hours=2)
        await fetcher.drain()
    assert calls == 6
    (attachment,) = await attachments_now(app)
    assert attachment.state is MediaState.FAILED

    # No coordinator was there to be told when it failed: the next report counts it.
    carol = await make_coordinator(app)
    assert await media.report_failures(app.database, app.clock()) == 1
    assert await media.report_failures(app.database, app.clock()) == 0  # told once
    await carol.reads()
    carol.sees("Photos or voice notes sent with concerns that could not be fetched: 1.")


@pytest.mark.parametrize("code", ["en", "ur"])
async def test_the_coordinator_hears_when_a_concerns_file_is_refused_or_never_fetched(
    app: App, media_dir: Path, clock: FakeClock, code: str
) -> None:
    carol = await make_coordinator(app, code=code)
    amina = await joined(app, "amina")
    await raise_concern(amina, "Black mould", Media("photo", "file-1", "image/jpeg"))
    await raise_concern(amina, "Leaking roof", Media("photo", "file-2", "image/jpeg"))

    async def fetch(ref: str, max_bytes: int) -> bytes:
        if ref == "file-1":
            return DISGUISED  # a program sent as a photo: refused
        raise ConnectionError("platform down")  # never fetched

    fetcher = MediaFetcher(app.database, {"console": fetch}, media.store(app.settings),
                           app.clock, 16 * MB)
    for _ in range(10):
        await fetcher.drain()
        clock.advance(hours=2)
    assert {a.state for a in await attachments_now(app)} == {MediaState.REFUSED,
                                                             MediaState.FAILED}
    await carol.reads()
    for reference, state in (
            ("C-1001", "not kept: not a photo, sound, video or PDF, or too large"),
            ("C-1002", "not kept: it could not be fetched")):
        carol.sees(t(code, "A file sent with concern {reference} will not follow ({state}). "
                           "The concern itself is saved.", reference=reference,
                     state=t(code, state)))
    # She was told of each at once: the failure report does not count it again.
    assert await media.report_failures(app.database, app.clock()) == 0


async def test_forget_deletes_the_persons_files_and_no_one_elses(
    app: App, media_dir: Path
) -> None:
    amina = await joined(app, "amina")
    bilal = await joined(app, "bilal", name="Bilal")
    await raise_concern(amina, "Black mould", Media("photo", "amina-photo", "image/jpeg"))
    await raise_concern(bilal, "Damp walls", Media("photo", "bilal-photo", "image/jpeg"))

    async def fetch(ref: str, max_bytes: int) -> bytes:
        return photo_with_gps()

    fetcher = MediaFetcher(app.database, {"console": fetch}, media.store(app.settings),
                           app.clock, 16 * MB)
    assert await fetcher.drain() == 2
    assert len(files_in(media_dir)) == 2
    await amina.says("mydata")
    await amina.says("1")
    amina.sees("Files you sent: 1", "C-1001: photo")

    await amina.says("forget")
    await amina.says("1")  # yes, erase me

    remaining = files_in(media_dir)
    (bilals,) = [a for a in await attachments_now(app) if a.stored_as]
    assert [p.name for p in remaining] == [bilals.stored_as]


async def test_the_sweep_deletes_files_nothing_points_to_and_files_past_retention(
    app: App, media_dir: Path, clock: FakeClock
) -> None:
    amina = await joined(app, "amina")
    await raise_concern(amina, "Black mould", Media("photo", "p1", "image/jpeg"))

    async def fetch(ref: str, max_bytes: int) -> bytes:
        return VOICE_NOTE

    store = media.store(app.settings)
    await MediaFetcher(app.database, {"console": fetch}, store, app.clock, 16 * MB).drain()
    orphan = store.put(b"left by a crash")
    assert await media.sweep(app.database, store) == 0  # too young: may be on its way
    assert isinstance(store, FolderStore)
    old = store.root / orphan[:2] / orphan
    os.utime(old, (1, 1))
    assert await media.sweep(app.database, store) == 1
    assert len(files_in(media_dir)) == 1

    async with app.database.transaction() as session:
        concern = await session.scalar(select(Concern))
        assert concern is not None
        concern.status = ConcernStatus.RESOLVED
        concern.updated_at = app.clock()
    assert await media.expire(app.database, store, app.clock(), 180) == 0
    clock.advance(days=181)
    assert await media.expire(app.database, store, app.clock(), 180) == 1
    assert files_in(media_dir) == []
    (attachment,) = await attachments_now(app)
    assert attachment.state is MediaState.REMOVED
