"""`champbot email`: checking the email settings."""

from __future__ import annotations

import asyncio

import typer

from bot.app import App
from bot.cli.common import fail, group, settings

email_cli = group("email", "Email through SMTP (SMTP_URL, SMTP_FROM).")


@email_cli.command("test")
def email_test(
    to: str = typer.Option(..., "--to", help="The address to send a test email to."),
) -> None:
    """Send one email now, straight to the SMTP server: accepted, or why not."""
    from bot.channels.base import Delivered, Outgoing
    from bot.channels.email.sender import EmailSender
    from bot.services.emails import InvalidAddress, normalise
    from flows.types import Reply

    current = settings()
    if not current.email_enabled:
        raise fail("champbot: setting SMTP_URL is missing (email is not configured)")
    try:
        address = normalise(to)
    except InvalidAddress as error:
        raise fail(f"champbot: {error}") from None
    text = (f"This is a test email from {current.programme_name}.\n"
            "If you can read it, champbot can send email.")
    message = Outgoing(0, "email", address, Reply(text), "test", 1,
                       payload={"subject": f"{current.programme_name}: test email"})
    result = asyncio.run(EmailSender.from_settings(current).send(message))
    if not isinstance(result, Delivered):
        raise fail(f"not sent ({type(result).__name__}): {getattr(result, 'reason', '')}")
    typer.echo(f"sent to {address} ({result.provider_id})")


@email_cli.command("resume")
def email_resume(address: str = typer.Argument(..., help="The email address.")) -> None:
    """Email ADDRESS again: after its "Stop emails" link was confirmed, or after it
    bounced and was fixed."""
    from bot.cli.common import with_app
    from bot.services import emails
    from bot.services.emails import InvalidAddress

    async def work(app: App) -> bool:
        async with app.database.transaction() as session:
            return await emails.opt_in(session, address, app.clock(), actor="operator")

    try:
        resumed = with_app(work)
    except InvalidAddress as error:
        raise fail(f"champbot: {error}") from None
    shown = address.strip().lower()
    if not resumed:  # a mistyped address would otherwise read as done
        raise fail(f"champbot: nothing to resume: email to {shown} was not stopped and has "
                   "not bounced")
    typer.echo(f"email to {shown} resumed")
