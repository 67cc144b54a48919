"""`champbot email test`: an operator checks the email settings."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from sqlalchemy import select

from bot.app import App
from bot.services import emails
from bot.storage.models import Identity
from tests.support.smtp_server import smtp_server

ROOT = Path(__file__).resolve().parents[2]


async def champbot(*args: str, environ: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    # Run without blocking the loop: the local SMTP server lives in it.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_email_test_sends_one_email_and_says_so(environ: dict[str, str],
                                                      tmp_path: Path) -> None:
    async with smtp_server() as smtp:
        settings = {**environ, "SMTP_URL": smtp.url(), "SMTP_FROM": "Bot <bot@champ.test>",
                    "SECRET_KEY": "k" * 32, "PUBLIC_BASE_URL": "https://champ.test"}
        code, out, err = await champbot("email", "test", "--to", "Ann@Example.org",
                                        environ=settings, cwd=tmp_path)
        assert code == 0, err
        assert out.startswith("sent to ann@example.org")
        [mail] = smtp.received
        assert mail.subject == "Riverside Health Champions: test email"

        smtp.refuse_next("ann@example.org", "550 5.1.1 No such user")
        code, out, err = await champbot("email", "test", "--to", "ann@example.org",
                                        environ=settings, cwd=tmp_path)
        assert code == 2 and "not sent (Unreachable): 550 5.1.1 No such user" in err


async def test_email_test_without_smtp_settings_says_what_is_missing(
        environ: dict[str, str], tmp_path: Path) -> None:
    code, _, err = await champbot("email", "test", "--to", "a@b.test", environ=environ,
                                  cwd=tmp_path)
    assert code == 2 and "SMTP_URL is missing" in err


async def test_an_address_that_stopped_emails_is_resumed_from_the_command_line(
        app: App, environ: dict[str, str], tmp_path: Path) -> None:
    async with app.database.transaction() as session:
        await emails.opt_out(session, "ann@example.org", app.clock())
    code, out, err = await champbot("email", "resume", "Ann@Example.org", environ=environ,
                                    cwd=tmp_path)
    assert code == 0 and out.strip() == "email to ann@example.org resumed", err
    async with app.database.transaction() as session:
        identity = await session.scalar(select(Identity).where(
            Identity.channel == "email", Identity.address == "ann@example.org"))
    assert identity is not None and identity.opted_out_at is None
    code, out, err = await champbot("email", "resume", "not an address", environ=environ,
                                    cwd=tmp_path)
    assert code == 2 and "Traceback" not in err
    # An address never stopped (a typo, say) is not said to be resumed.
    code, out, err = await champbot("email", "resume", "nobody@example.org", environ=environ,
                                    cwd=tmp_path)
    assert code == 2 and out == ""
    assert ("champbot: nothing to resume: email to nobody@example.org was not stopped and "
            "has not bounced") in err
