"""Every Twilio webhook is signed: checked over our public URL and every posted field.

Twilio signs the URL it called (``PUBLIC_BASE_URL`` + path + query, as the
world sees this server behind its proxy) followed by each posted field, with
the account's auth token. A request that fails is refused before anything is
read from it or written anywhere.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from twilio.request_validator import RequestValidator

MAX_BODY = 256 * 1024  # far above any real message; a flood is cut off unread
FORM = "application/x-www-form-urlencoded"


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class _Fields(dict[str, list[str]]):
    """Posted fields with every value, as RequestValidator reads a multi-dict."""

    def getall(self, name: str) -> list[str]:
        return self[name]


class Verifier:
    def __init__(self, auth_token: str, public_base_url: str) -> None:
        self.validator = RequestValidator(auth_token)
        self.base = public_base_url.rstrip("/")

    def public_url(self, request: Request) -> str:
        query = request.url.query
        return f"{self.base}{request.url.path}{'?' + query if query else ''}"

    async def fields(self, request: Request) -> dict[str, str]:
        """The posted fields of a genuinely signed request; Refused otherwise."""
        signature = request.headers.get("x-twilio-signature", "")
        if not signature:
            raise Refused(403, "missing signature")
        posted = _Fields()
        for name, value in _parse(await _read(request), request.headers.get("content-type")):
            posted.setdefault(name, []).append(value)
        if not self.validator.validate(self.public_url(request), posted, signature):
            raise Refused(403, "bad signature")
        return {name: values[0] for name, values in posted.items()}


async def _read(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise Refused(413, "too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise Refused(413, "too large")
    return bytes(body)


def _parse(body: bytes, content_type: str | None) -> list[tuple[str, str]]:
    if not body or (content_type or "").split(";")[0].strip().lower() != FORM:
        return []  # nothing signed: only the URL is checked, and that fails
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        raise Refused(403, "unreadable form") from None
