"""WhatsApp conversations in tests: signed webhooks in, a local Twilio server out.

A ``Phone`` is one person on WhatsApp. What it says goes to champbot's web app
over HTTP as Twilio would post it (signed with the real RequestValidator
algorithm); what the bot answers is what reached the local Twilio server once
the dispatcher has run. A conversation test reads like the conversation:

    amina = whatsapp.phone("+252612345678")
    await amina.says("JOIN DEMO2026")
    amina.sees("Soomaali")
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import httpx
from twilio.request_validator import RequestValidator

from bot.app import App
from bot.dispatch import Dispatcher
from flows.languages import get as language
from tests.support.chat import Replies, t
from tests.support.twilio_server import Accepted, FakeTwilio

PUBLIC_BASE_URL = "https://champbot.example.org"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token-5f2b7c1e9a"
BOT_NUMBER = "+14155238886"

# Approved templates as a deployer would configure them (Content SIDs are made up).
BROADCAST_EN = "HX" + "b0" * 16
BROADCAST_SO = "HX" + "b1" * 16
CONCERN_UPDATE_EN = "HX" + "c0" * 16
CONSENT_QUICK_REPLY_EN = "HX" + "d0" * 16

TEMPLATES: dict[str, object] = {
    "purposes": {
        "broadcast": {
            "en": {"content_sid": BROADCAST_EN, "variables": {"1": "{programme}"}},
            "so": {"content_sid": BROADCAST_SO, "variables": {"1": "{programme}"}},
        },
        "concern_update": {
            "en": {"content_sid": CONCERN_UPDATE_EN, "variables": {"1": "{reference}"}},
        },
    },
}

SOMALI_NUMBER = "+252612345678"  # Somalia's calling code suggests Somali
UK_NUMBER = "+447700900123"


_sids = itertools.count(1)


def new_sid() -> str:
    return f"SM{next(_sids):032x}"


def signature(path: str, fields: Mapping[str, str], token: str = AUTH_TOKEN) -> str:
    """What Twilio would put in X-Twilio-Signature for these fields posted to ``path``."""
    return str(RequestValidator(token).compute_signature(PUBLIC_BASE_URL + path, dict(fields)))


class Webhooks:
    """Posts to champbot as Twilio does: a form, signed over the public URL."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(self, path: str, fields: Mapping[str, str], *, token: str = AUTH_TOKEN,
                   signed: str | None = None) -> httpx.Response:
        headers = {"X-Twilio-Signature": signed if signed is not None
                   else signature(path, fields, token)}
        return await self.client.post(path, data=dict(fields), headers=headers)


class WhatsApp:
    """champbot on 127.0.0.1, the local Twilio server, and a dispatcher between them."""

    def __init__(self, app: App, twilio: FakeTwilio, hooks: Webhooks,
                 dispatcher: Dispatcher) -> None:
        self.app, self.twilio, self.hooks, self.dispatcher = app, twilio, hooks, dispatcher

    def phone(self, number: str, profile_name: str = "Amina") -> Phone:
        return Phone(self, number, profile_name)

    async def deliver(self) -> int:
        """Run the dispatcher until nothing more is due now."""
        return await self.dispatcher.drain()

    async def status(self, sid: str, status: str, code: int | None = None) -> httpx.Response:
        fields = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID,
                  "To": f"whatsapp:{BOT_NUMBER}", "ApiVersion": "2010-04-01"}
        if code is not None:
            fields["ErrorCode"] = str(code)
        return await self.hooks.post("/twilio/status", fields)


class Phone(Replies):
    def __init__(self, world: WhatsApp, number: str, profile_name: str) -> None:
        self.world = world
        self.number = number
        self.profile_name = profile_name
        self.language: str | None = None  # set once they have joined in a language
        self.seen = 0
        self.replies: list[str] = []
        self.response: httpx.Response | None = None

    def fields(self, text: str = "", **extra: str) -> dict[str, str]:
        sid = new_sid()
        return {"MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid,
                "AccountSid": ACCOUNT_SID, "From": f"whatsapp:{self.number}",
                "To": f"whatsapp:{BOT_NUMBER}", "Body": text, "NumMedia": "0",
                "NumSegments": "1", "ProfileName": self.profile_name,
                "WaId": self.number.lstrip("+"), "SmsStatus": "received",
                "MessageType": "text", "ApiVersion": "2010-04-01", **extra}

    async def says(self, text: str, **extra: str) -> str:
        """Send a message; returns everything the bot answered, as the phone shows it."""
        return await self.sends(self.fields(text, **extra))

    async def presses(self, payload: str, title: str, under: Accepted | None = None) -> str:
        """Tap a quick-reply button (under the message that carried it)."""
        extra = {"ButtonPayload": payload, "ButtonText": title, "MessageType": "button"}
        if under is not None:
            extra["OriginalRepliedMessageSid"] = under.sid
        return await self.sends(self.fields(title, **extra))

    async def shares_location(self, latitude: float, longitude: float,
                              label: str | None = None) -> str:
        extra = {"Latitude": str(latitude), "Longitude": str(longitude),
                 "MessageType": "location"}
        if label:
            extra["Address"] = label
        return await self.says("", **extra)

    async def sends_media(self, url: str, content_type: str = "image/jpeg",
                          caption: str = "") -> str:
        return await self.says(caption, NumMedia="1", MediaUrl0=url,
                               MediaContentType0=content_type, MessageType="image")

    async def sends(self, fields: Mapping[str, str], *, token: str = AUTH_TOKEN,
                    signed: str | None = None) -> str:
        self.response = await self.world.hooks.post("/twilio/whatsapp", fields, token=token,
                                                    signed=signed)
        return await self.reads()

    async def reads(self) -> str:
        """Deliver what is due and read what arrived since last time."""
        await self.world.deliver()
        new = self.received[self.seen:]
        self.seen += len(new)
        self.replies = [message.shown for message in new]
        return "\n\n".join(self.replies)

    @property
    def received(self) -> list[Accepted]:
        return self.world.twilio.to(self.number)


async def joined(whatsapp: WhatsApp, number: str, code: str, name: str = "Amina") -> Phone:
    """A champion who has joined on WhatsApp in language ``code``, answering by numbers."""
    phone = whatsapp.phone(number)
    await phone.says("JOIN DEMO2026")
    languages = phone.last.splitlines()
    number_of = next(line.split(".")[0].strip("\u200f") for line in languages
                     if line.endswith(language(code).native_name))
    await phone.says(number_of)
    await phone.says("1")  # yes, I agree
    await phone.says(name)
    await phone.says("1")  # the first area
    await phone.says("1, 3")
    phone.sees(t(code, "What would you like to do?"))
    phone.language = code
    return phone
