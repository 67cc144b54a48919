"""Twilio's media URLs as a champion's photo reaches us: basic auth, then a redirect.

``/2010-04-01/Accounts/{sid}/Messages/{message}/Media/{media}`` checks the account's
credentials like Twilio and answers 307 to the file's real home on a second server
(another origin, like Twilio's file storage), which records whether credentials
reached it: they must not.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tests.support.servers import serve

_ids = itertools.count(1)


@dataclass
class FakeTwilioMedia:
    account_sid: str
    auth_token: str
    url: str = ""  # Twilio's API host
    storage_url: str = ""  # where files really are
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    refused: int = 0  # requests without the right credentials
    credentials_leaked: int = 0  # credentials that reached the storage server

    def add(self, data: bytes, content_type: str) -> str:
        """A file as Twilio keeps it; returns its media URL."""
        media = f"ME{next(_ids):032d}"
        self.files[media] = (data, content_type)
        return (f"{self.url}/2010-04-01/Accounts/{self.account_sid}/Messages/"
                f"MM{media[2:]}/Media/{media}")

    async def _media(self, request: Request) -> Response:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if (request.path_params["sid"] != self.account_sid
                or request.headers.get("authorization") != f"Basic {expected}"):
            self.refused += 1
            return Response(status_code=401)
        media = request.path_params["media"]
        if media not in self.files:
            return Response(status_code=404)
        return RedirectResponse(f"{self.storage_url}/files/{media}", status_code=307)

    async def _stored(self, request: Request) -> Response:
        if "authorization" in request.headers:
            self.credentials_leaked += 1
        data, content_type = self.files[request.path_params["media"]]
        return Response(data, media_type=content_type)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[FakeTwilioMedia]:
        api = Starlette(routes=[Route(
            "/2010-04-01/Accounts/{sid}/Messages/{message}/Media/{media}", self._media)])
        storage = Starlette(routes=[Route("/files/{media}", self._stored)])
        async with serve(api) as self.url, serve(storage) as self.storage_url:
            yield self
