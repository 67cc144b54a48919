"""The inbound webhook: only Twilio's signed requests get in, and each message counts once."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.channels.whatsapp import incoming
from bot.storage.models import Conversation, Identity, InboundMessage, OutboxMessage
from flows.types import MAX_INBOUND_TEXT, Location, Media
from tests.support.twilio_server import FakeTwilio
from tests.support.whatsapp import AUTH_TOKEN, PUBLIC_BASE_URL, WhatsApp, signature

pytestmark = pytest.mark.usefixtures("programme")

NUMBER = "+447700900123"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


async def counts(app: App) -> tuple[int, ...]:
    """Everything a message could change: what arrived, who wrote, where they are, replies."""
    async with app.database.transaction() as session:
        return tuple([
            int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (InboundMessage, Identity, Conversation, OutboxMessage)])


def test_the_signature_is_twilios_documented_algorithm() -> None:
    """HMAC-SHA1 of the URL then each field's name and value in name order, in base64."""
    fields = {"MessageSid": "SM1", "Body": "JOIN DEMO2026", "From": "whatsapp:+447700900123"}
    signed = (PUBLIC_BASE_URL + "/twilio/whatsapp" + "".join(
        name + fields[name] for name in sorted(fields))).encode()
    expected = base64.b64encode(hmac.new(AUTH_TOKEN.encode(), signed, hashlib.sha1).digest())
    assert signature("/twilio/whatsapp", fields) == expected.decode()


@pytest.mark.parametrize("forgery", ["missing", "garbage", "old token", "other fields",
                                     "other url"])
async def test_a_request_not_signed_by_twilio_is_refused_and_changes_nothing(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, forgery: str
) -> None:
    phone = whatsapp.phone(NUMBER)
    fields = phone.fields("JOIN DEMO2026")
    signed = {
        "missing": "",
        "garbage": "bm90IGEgc2lnbmF0dXJl",
        "old token": signature("/twilio/whatsapp", fields, token="the-token-before-rotation"),
        "other fields": signature("/twilio/whatsapp", {**fields, "Body": "hello"}),
        "other url": signature("/twilio/status", fields),
    }[forgery]
    before = await counts(app)
    await phone.sends(fields, signed=signed)
    assert phone.response is not None and phone.response.status_code == 403
    assert await counts(app) == before
    assert twilio.accepted == []


async def test_a_replayed_request_is_one_message_and_one_reply(
    app: App, whatsapp: WhatsApp
) -> None:
    phone = whatsapp.phone(NUMBER)
    fields = phone.fields("JOIN DEMO2026")
    await phone.sends(fields)
    phone.sees("Which language would you like to use?")
    after_first = await counts(app)
    for _ in range(3):  # Twilio retrying, or someone replaying a captured request
        assert await phone.sends(fields) == ""
        assert phone.response is not None and phone.response.status_code == 200
    assert await counts(app) == after_first
    assert len(phone.received) == 1


@pytest.mark.parametrize("missing", ["MessageSid", "From"])
async def test_a_signed_request_missing_what_every_message_has_is_refused(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, missing: str
) -> None:
    phone = whatsapp.phone(NUMBER)
    fields = phone.fields("JOIN DEMO2026")
    del fields[missing]
    if missing == "From":
        del fields["WaId"]
    before = await counts(app)
    await phone.sends(fields)
    assert phone.response is not None and phone.response.status_code == 400
    assert await counts(app) == before and twilio.accepted == []


async def test_a_sender_that_is_no_phone_number_is_refused(app: App, whatsapp: WhatsApp) -> None:
    phone = whatsapp.phone(NUMBER)
    before = await counts(app)
    await phone.sends({**phone.fields("hi"), "From": "whatsapp:+1"})
    assert phone.response is not None and phone.response.status_code == 400
    assert await counts(app) == before


async def test_a_ten_thousand_character_message_is_explained_and_nothing_is_saved(
    app: App, whatsapp: WhatsApp
) -> None:
    phone = whatsapp.phone(NUMBER)
    for answer in ["JOIN DEMO2026", "1", "1"]:
        await phone.says(answer)
    phone.sees("What would you like us to call you?")
    said = await phone.says("A" * 10_000)
    assert phone.response is not None and phone.response.status_code == 200
    assert said.count("That is too long") == 1 and len(phone.replies) == 1
    phone.sees("What would you like us to call you?")
    async with app.database.transaction() as session:
        state = await session.scalar(select(Conversation.state))
        assert state is not None and "name" not in state["answers"]
        assert state["step"] == "name"


async def test_a_flood_bigger_than_any_message_is_cut_off_unread(
    app: App, whatsapp: WhatsApp
) -> None:
    phone = whatsapp.phone(NUMBER)
    before = await counts(app)
    await phone.says("x" * 300_000)
    assert phone.response is not None and phone.response.status_code == 413
    assert await counts(app) == before


async def test_only_post_is_served(whatsapp: WhatsApp) -> None:
    response = await whatsapp.hooks.client.get("/twilio/whatsapp")
    assert response.status_code == 405


async def test_the_signature_covers_the_query_string_too(app: App, whatsapp: WhatsApp) -> None:
    phone = whatsapp.phone(NUMBER)
    fields = phone.fields("JOIN DEMO2026")
    path = "/twilio/whatsapp?source=console"
    headers = {"X-Twilio-Signature": signature(path, fields)}
    client: httpx.AsyncClient = whatsapp.hooks.client
    response = await client.post(path, data=fields, headers=headers)
    assert response.status_code == 200
    unsigned_query = await client.post("/twilio/whatsapp?source=other", data=fields,
                                       headers=headers)
    assert unsigned_query.status_code == 403


def test_media_location_and_buttons_become_one_inbound() -> None:
    fields = {
        "MessageSid": "SM1", "From": "whatsapp:+252 61 234 5678", "Body": "",
        "NumMedia": "2", "MediaUrl0": "https://api.twilio.com/media/ME1",
        "MediaContentType0": "image/jpeg", "MediaUrl1": "https://api.twilio.com/media/ME2",
        "MediaContentType1": "audio/ogg", "Latitude": "51.5072", "Longitude": "-0.1276",
        "Address": "Northfield Library", "ButtonPayload": "yes", "ButtonText": "Yes, I agree",
        "ProfileName": "Hodan", "WaId": "252612345678",
    }
    message = incoming.parse(fields, NOW)
    assert message.address == "+252612345678" and message.language_hint == "so"
    assert message.media == (
        Media("photo", "https://api.twilio.com/media/ME1", "image/jpeg"),
        Media("voice", "https://api.twilio.com/media/ME2", "audio/ogg"))
    assert message.location == Location(51.5072, -0.1276, "Northfield Library")
    assert (message.choice_id, message.text) == ("yes", "Yes, I agree")


@pytest.mark.parametrize(
    ("body", "choice"),
    [("STOP", "/stop"), ("unsubscribe", "/stop"), ("Cancel", "/stop"), ("END", "/stop"),
     ("quit!", "/stop"), ("JOOJI", "/stop"), ("start", "/start"), ("JOIN", "/start"),
     ("JOIN DEMO2026", None), ("please stop sending me these", None), ("hello", None)])
def test_whole_messages_that_opt_out_or_back_in_become_those_commands(
    body: str, choice: str | None
) -> None:
    message = incoming.parse({"MessageSid": "SM1", "From": "whatsapp:+447700900123",
                              "Body": body}, NOW)
    assert message.choice_id == choice


def test_a_long_body_is_cut_and_marked_and_bad_coordinates_are_dropped() -> None:
    message = incoming.parse({"MessageSid": "SM1", "WaId": "447700900123", "Body": "x" * 9000,
                              "Latitude": "north", "Longitude": "1"}, NOW)
    assert message.address == "+447700900123"
    assert message.truncated and len(message.text or "") == MAX_INBOUND_TEXT
    assert message.location is None


@pytest.mark.parametrize("field", ["Body", "ButtonPayload", "OriginalRepliedMessageSid",
                                   "MessageSid", "From", "Latitude", "NumMedia", "MediaUrl0"])
async def test_odd_bytes_in_any_signed_field_never_make_a_500(
    app: App, whatsapp: WhatsApp, twilio: FakeTwilio, field: str
) -> None:
    phone = whatsapp.phone(NUMBER)
    fields = phone.fields("JOIN DEMO2026")
    fields[field] = fields.get(field, "") + "\x00\x1b\ufffe" + "9" * 300
    await phone.sends(fields)
    assert phone.response is not None and phone.response.status_code in (200, 400)
    phone.does_not_see("Sorry, something went wrong")


async def test_a_status_callback_with_odd_bytes_is_answered_not_failed(
    app: App, whatsapp: WhatsApp
) -> None:
    answer = await whatsapp.status("SM\x00" + "1" * 300, "delivered\x00", code=None)
    assert answer.status_code == 204
