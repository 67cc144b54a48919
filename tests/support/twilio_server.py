"""A local Twilio REST server: takes WhatsApp messages as Twilio does, or refuses them on cue.

It answers ``POST /2010-04-01/Accounts/{sid}/Messages.json`` with basic auth
like Twilio (201 and the message resource, or Twilio's error JSON), lists what
it accepted on ``GET`` of the same path (newest first, filtered by ``To`` and
``From``, one page of ``PageSize``), records what it accepted, and fails the
next requests for a number when a test says so: 429, a 5xx, or an error code such as 63016 or 21211.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

_sids = itertools.count(1)


@dataclass(frozen=True)
class Accepted:
    sid: str
    to: str  # E.164, without "whatsapp:"
    sender: str
    body: str | None
    content_sid: str | None
    content_variables: dict[str, str]
    media_urls: tuple[str, ...]
    status_callback: str | None
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def shown(self) -> str:
        """What the person's phone shows, near enough for a test to read."""
        if self.content_sid:
            return f"[template {self.content_sid} {self.content_variables}]"
        return self.body or ""


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    url: str = ""
    accepted: list[Accepted] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)  # (number, status)
    failures: dict[str, deque[tuple[int, int]]] = field(default_factory=dict)
    passing: dict[str, int] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    listed: int = 0  # how many times the message list was asked for
    # While set and closed, sends wait at the door (``waiting`` counts them): a test
    # can then kill the sender mid-call.
    gate: asyncio.Event | None = None
    waiting: int = 0

    def __post_init__(self) -> None:
        path = "/2010-04-01/Accounts/{sid}/Messages.json"
        self.app = Starlette(routes=[Route(path, self._create, methods=["POST"]),
                                     Route(path, self._list, methods=["GET"])])

    def fail_next(self, number: str, *codes: int, after: int = 0) -> None:
        """Refuse requests to ``number`` (once ``after`` more are taken): 429 and 5xx as
        HTTP statuses, anything else as that Twilio error code."""
        self.passing[number] = after
        queue = self.failures.setdefault(number, deque())
        for code in codes:
            if code == 429:
                queue.append((429, 20429))
            elif 500 <= code < 600:
                queue.append((code, 20500))
            else:
                queue.append((400, code))

    def to(self, number: str) -> list[Accepted]:
        return [message for message in self.accepted if message.to == number]

    async def _create(self, request: Request) -> Response:
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        fields: dict[str, list[str]] = {}
        for name, value in parse_qsl((await request.body()).decode(), keep_blank_values=True):
            fields.setdefault(name, []).append(value)
        to = fields.get("To", [""])[0].removeprefix("whatsapp:")
        if self.gate is not None and not self.gate.is_set():
            self.waiting += 1
            await self.gate.wait()
        if not to or not (fields.get("Body") or fields.get("ContentSid")):
            return _error(400, 21602, "Message body is required.")
        queued = self.failures.get(to)
        if queued and self.passing.get(to, 0) > 0:
            self.passing[to] -= 1
        elif queued:
            status, code = queued.popleft()
            self.refused.append((to, status))
            return _error(status, code, "Refused for the test")
        message = Accepted(
            sid=f"SM{next(_sids):032x}", to=to,
            sender=fields.get("From", [""])[0],
            body=fields.get("Body", [None])[0],
            content_sid=fields.get("ContentSid", [None])[0],
            content_variables=json.loads(fields.get("ContentVariables", ["{}"])[0]),
            media_urls=tuple(fields.get("MediaUrl", [])),
            status_callback=fields.get("StatusCallback", [None])[0],
            created=self.clock(),
        )
        self.accepted.append(message)
        self.arrived.set()
        return JSONResponse(self._resource(message), status_code=201)

    async def _list(self, request: Request) -> Response:
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        self.listed += 1
        query = request.query_params
        to = query.get("To", "").removeprefix("whatsapp:")
        sender = query.get("From")
        size = int(query.get("PageSize", "50"))
        found = [m for m in reversed(self.accepted)
                 if (not to or m.to == to) and (not sender or m.sender == sender)][:size]
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        return JSONResponse({
            "messages": [self._resource(m) for m in found], "end": max(len(found) - 1, 0),
            "first_page_uri": uri, "next_page_uri": None, "page": 0, "page_size": size,
            "previous_page_uri": None, "start": 0, "uri": uri})

    def _authorised(self, request: Request) -> bool:
        if request.path_params["sid"] != self.account_sid:
            return False
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    def _resource(self, message: Accepted) -> dict[str, object]:
        now = format_datetime(message.created.astimezone(UTC), usegmt=True)
        return {
            "sid": message.sid, "account_sid": self.account_sid, "api_version": "2010-04-01",
            "to": f"whatsapp:{message.to}", "from": message.sender, "body": message.body or "",
            "status": "queued", "direction": "outbound-api", "num_segments": "1",
            "num_media": str(len(message.media_urls)), "date_created": now,
            "date_updated": now, "date_sent": None, "error_code": None, "error_message": None,
            "price": None, "price_unit": "USD", "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message.sid}.json",
            "subresource_uris": {},
        }


def _error(status: int, code: int, message: str) -> Response:
    return JSONResponse({"code": code, "message": message, "status": status,
                         "more_info": f"https://www.twilio.com/docs/errors/{code}"},
                        status_code=status)
