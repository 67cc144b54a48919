"""A local SMTP server (aiosmtpd) in the test's own event loop: keeps what it receives,
refuses recipients on cue, and reads received emails back as a person's mail program would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
import subprocess
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

LINK = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class Part:
    filename: str | None
    content_type: str
    content: str | bytes


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def to(self) -> str:
        return str(self.message["To"])

    def header(self, name: str) -> str | None:
        value = self.message[name]
        return None if value is None else str(value)

    @property
    def text(self) -> str:
        return self._body("plain")

    @property
    def html(self) -> str | None:
        part = self.message.get_body(preferencelist=("html",))
        return None if part is None else cast(str, part.get_content())

    @property
    def attachments(self) -> list[Part]:
        return [Part(part.get_filename(), part.get_content_type(), part.get_content())
                for part in self.message.iter_attachments()]

    @property
    def links(self) -> list[str]:
        """The links in the plain text, in order."""
        return LINK.findall(self.text)

    def _body(self, kind: str) -> str:
        part = self.message.get_body(preferencelist=(kind,))
        assert part is not None, f"no {kind} part"
        return cast(str, part.get_content())


@dataclass
class FakeSmtp:
    """What the server received, and the replies it gives to chosen recipients next."""

    received: list[Received] = field(default_factory=list)
    refusals: dict[str, deque[str]] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    host: str = "127.0.0.1"
    port: int = 0

    def refuse_next(self, address: str, *replies: str) -> None:
        """Answer RCPT TO for ``address`` with these replies, one per attempt
        (e.g. "451 4.3.0 Try again later", "550 5.1.1 No such user")."""
        self.refusals.setdefault(address.lower(), deque()).extend(replies)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address.lower() in r.recipients]

    def url(self, user: str | None = None, password: str | None = None) -> str:
        login = f"{user}:{password}@" if user else ""
        return f"smtp://{login}{self.host}:{self.port}"

    # aiosmtpd handler hooks

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        queue = self.refusals.get(address.lower())
        if queue:
            return queue.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = cast(EmailMessage, message_from_bytes(content, policy=policy.default))
        self.received.append(Received(str(envelope.mail_from),
                                      tuple(a.lower() for a in envelope.rcpt_tos), message))
        self.arrived.set()
        return "250 Message accepted"


def _authenticator(smtp: FakeSmtp, users: dict[str, str]) -> Any:
    def check(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
              data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if users.get(user) == password:
                smtp.logins.append((user, password))
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)
    return check


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@contextlib.asynccontextmanager
async def smtp_server(users: dict[str, str] | None = None, *,
                      tls: tuple[Path, Path] | None = None,
                      starttls: bool = False) -> AsyncIterator[FakeSmtp]:
    """An SMTP server on 127.0.0.1 and a free port; with ``users``, it offers login.
    With ``tls`` (certificate, key): STARTTLS required if ``starttls``, else TLS from
    the first byte (smtps)."""
    fake = FakeSmtp()
    loop = asyncio.get_running_loop()
    context = None
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*tls)

    def protocol() -> SMTP:
        options: dict[str, Any] = {}
        if starttls:
            options.update(tls_context=context, require_starttls=True)
        if users is not None:
            # Login offered without TLS too (not required: aiosmtpd warns about
            # requiring it without TLS, and a warning fails a test).
            options.update(auth_require_tls=False, authenticator=_authenticator(fake, users))
        return SMTP(fake, hostname="smtp.test", loop=loop, **options)

    # aiosmtpd logs every line it receives at DEBUG: that is the test server reading the
    # email, not our logging (the privacy scan is about ours).
    server_log = logging.getLogger("mail.log")
    level = server_log.level
    server_log.setLevel(logging.INFO)
    server = await loop.create_server(protocol, host=fake.host, port=0,
                                      ssl=None if starttls else context)
    fake.port = server.sockets[0].getsockname()[1]
    try:
        yield fake
    finally:
        server.close()
        await server.wait_closed()
        server_log.setLevel(level)
