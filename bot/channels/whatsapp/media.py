"""Fetching a WhatsApp photo or voice note from Twilio, with the account's credentials.

Twilio's media URL answers with a redirect to where the file really is; the
credentials go only to Twilio's own host (httpx drops them when a redirect leaves
it), and a file is read no further than the size we keep.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from bot.channels.base import TooLarge
from bot.settings import Settings

TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class MediaFetcher:
    def __init__(self, settings: Settings) -> None:
        token = settings.twilio_auth_token
        self.auth = (settings.twilio_account_sid or "",
                     token.get_secret_value() if token else "")
        self.twilio_host = urlsplit(settings.twilio_api_base_url).netloc

    async def fetch(self, url: str, max_bytes: int) -> bytes:
        if urlsplit(url).netloc != self.twilio_host:
            # Our credentials go to Twilio only, whatever a message claims.
            raise ValueError("media URL is not on Twilio's API host")
        async with (
            httpx.AsyncClient(auth=self.auth, follow_redirects=True, max_redirects=3,
                              timeout=TIMEOUT) as client,
            client.stream("GET", url) as response,
        ):
            response.raise_for_status()
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise TooLarge(declared)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(str(size))
                chunks.append(chunk)
        return b"".join(chunks)
