"""The Bot API's HTTP calls through aiohttp, behind python-telegram-bot's request interface.

python-telegram-bot builds every call, parses every answer and maps every error; this
only carries the bytes. Its default carrier (httpx) spends several times more of a call's
processor time in its own machinery than aiohttp does, which the Twilio client already
uses, and a reply to a Telegram chat is one or two such calls. Errors become the
library's own ``TimedOut`` and ``NetworkError``, as with its default carrier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput, UploadFileDict

CONNECT_SECONDS = 5.0
READ_SECONDS = 5.0
WRITE_SECONDS = 5.0
MEDIA_WRITE_SECONDS = 20.0  # an upload (a chart, a kept photo) may take longer
POOL_SECONDS = 1.0


class AiohttpRequest(BaseRequest):
    """One connection pool (``connections`` at most) for the bot's calls."""

    def __init__(self, connections: int = 256, read_seconds: float = READ_SECONDS) -> None:
        self.connections = connections
        self._read_seconds = read_seconds
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_seconds

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections),
                headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("the Telegram transport is not initialised")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        read = _seconds(read_timeout, self._read_seconds)
        write = _seconds(write_timeout, MEDIA_WRITE_SECONDS if files else WRITE_SECONDS)
        connect = _seconds(connect_timeout, CONNECT_SECONDS)
        pool = _seconds(pool_timeout, POOL_SECONDS)
        timeout = aiohttp.ClientTimeout(
            total=None, connect=_sum(pool, connect), sock_connect=connect,
            # aiohttp has no separate write timeout: the read timeout covers the wait
            # for the answer once the request is written, so allow both.
            sock_read=_sum(read, write))
        body: Any = _form(fields, files) if files else fields
        try:
            async with self._session.request(method, url, data=body,
                                             timeout=timeout) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _seconds(value: ODVInput[float], default: float) -> float | None:
    """A timeout given (seconds, or None for none), else ``default`` (the library marks
    one not given with a value of its own)."""
    if value is None or isinstance(value, int | float):
        return value
    return default


def _sum(*parts: float | None) -> float | None:
    """A timeout made of several; none if any part is unlimited."""
    return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)


def _form(fields: dict[str, str] | None, files: UploadFileDict) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in (fields or {}).items():
        form.add_field(name, value)
    for name, (filename, content, content_type) in files.items():
        data = content if isinstance(content, bytes) else content.read()
        form.add_field(name, data, filename=filename, content_type=content_type)
    return form
