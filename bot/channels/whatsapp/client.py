"""The twilio client as we use it: built inside the loop, pointed at our base URL, no retries.

Retries belong to the dispatcher: the library's own (``max_retries``) can send
a POST twice, so it is left off.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.settings import Settings


class _HttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """Basic auth sent as a header: aiohttp deprecates its BasicAuth helper. The form is
    encoded here too: given a dict, aiohttp builds a multipart writer (and a random
    boundary) for every message before it finds the form needs none."""

    async def request(
        self, method: str, url: str, params: dict[str, object] | None = None,
        data: dict[str, object] | None = None, headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the library's signature
        allow_redirects: bool = False,
    ) -> Response:
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers = {**(headers or {}), "Authorization": f"Basic {token}"}
        body: str | dict[str, object] | None = data
        if data:
            body = urlencode({k: v for k, v in data.items() if v is not None}, doseq=True)
            headers = {**(headers or {}), "Content-Type": "application/x-www-form-urlencoded"}
        return await super().request(method, url, params, body, headers, None, timeout,
                                     allow_redirects)


def make(settings: Settings) -> Any:
    """A twilio ``Client``; call inside the running event loop (its session needs one)."""
    token = settings.twilio_auth_token
    client = Client(settings.twilio_account_sid, token.get_secret_value() if token else None,
                    http_client=_HttpClient())
    client.edge = client.region = None  # only our settings say where requests go
    client.api.base_url = settings.twilio_api_base_url.rstrip("/")
    return client
