"""Email through the dispatcher and the real SMTP sender, to a local aiosmtpd server."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.base import Limits
from bot.channels.email.sender import EmailSender
from bot.dispatch import Dispatcher
from bot.services import emails, privacy
from bot.services.emails import Attachment
from bot.settings import SmtpServer, load_settings
from bot.storage.models import Identity, OutboxMessage, OutboxStatus, Person, Role
from tests.support.clock import FakeClock
from tests.support.people import add_person
from tests.support.smtp_server import FakeSmtp, certificate, smtp_server

FROM = "Riverside Champions <champions@riverside.test>"
CSV = "reference,category,area\r\nC-1042,housing,Northgate\r\n"


def dispatcher(app: App, smtp: FakeSmtp, url: str | None = None) -> Dispatcher:
    sender = EmailSender(SmtpServer.parse(url or smtp.url()), FROM, Limits(per_second=100),
                         app.clock)
    return Dispatcher(app.database, [sender], app.clock)


async def write(app: App, to: str, subject: str = "New concern C-1042", **more: object) -> int:
    async with app.database.transaction() as session:
        row = await emails.enqueue_email(session, to, subject, "Damp in a flat on Mill Street.\n"
                                   "Acknowledge: https://champ.test/act/abc123", now=app.clock(),
                                   kind="alert", **more)  # type: ignore[arg-type]
        await session.flush()
        return row.id


async def row(app: App, row_id: int) -> OutboxMessage:
    async with app.database.transaction() as session:
        found = await session.get(OutboxMessage, row_id)
        assert found is not None
        return found


async def test_an_email_arrives_with_text_html_a_csv_and_links(app: App, smtp: FakeSmtp) -> None:
    row_id = await write(
        app, " Practice.Manager@Riverside-GP.test ", html="<p>Damp in a flat on Mill Street.</p>",
        attachments=[Attachment("concerns.csv", "text/csv", CSV),
                     Attachment("logo.png", "image/png", b"\x89PNG\r\n")],
        unsubscribe_url="https://champ.test/act/unsub")

    assert await dispatcher(app, smtp).drain() == 1

    [mail] = smtp.received
    assert mail.recipients == ("practice.manager@riverside-gp.test",)
    assert mail.subject == "New concern C-1042"
    assert mail.header("From") == FROM
    assert mail.header("Date") and mail.header("Message-ID")
    assert mail.header("List-Unsubscribe") == "<https://champ.test/act/unsub>"
    assert "Damp in a flat on Mill Street." in mail.text
    assert mail.html is not None and "<p>Damp in a flat on Mill Street.</p>" in mail.html
    assert mail.links == ["https://champ.test/act/abc123"]
    csv, logo = mail.attachments
    assert (csv.filename, csv.content_type) == ("concerns.csv", "text/csv")
    assert str(csv.content).splitlines() == ["reference,category,area", "C-1042,housing,Northgate"]
    assert (logo.filename, logo.content, logo.content_type) == (
        "logo.png", b"\x89PNG\r\n", "image/png")
    sent = await row(app, row_id)
    assert sent.status == OutboxStatus.SENT
    assert sent.provider_message_id == mail.header("Message-ID")


async def test_a_plain_email_has_one_text_part(app: App, smtp: FakeSmtp) -> None:
    await write(app, "a@b.test", subject="Digest")
    await dispatcher(app, smtp).drain()
    [mail] = smtp.received
    assert mail.html is None and mail.attachments == []
    assert mail.message.get_content_type() == "text/plain"


async def test_a_temporary_refusal_is_retried_later(app: App, smtp: FakeSmtp,
                                                    clock: FakeClock) -> None:
    smtp.refuse_next("a@b.test", "451 4.3.0 Mailbox busy, try again later")
    row_id = await write(app, "a@b.test")
    await dispatcher(app, smtp).drain()
    waiting = await row(app, row_id)
    assert waiting.status == OutboxStatus.PENDING and "451" in (waiting.error or "")
    assert smtp.received == []

    clock.advance(minutes=1)
    await dispatcher(app, smtp).drain()
    assert (await row(app, row_id)).status == OutboxStatus.SENT
    assert len(smtp.to("a@b.test")) == 1


async def test_no_such_mailbox_marks_the_address_unreachable(app: App, smtp: FakeSmtp) -> None:
    smtp.refuse_next("gone@b.test", "550 5.1.1 No such user")
    first = await write(app, "gone@b.test")
    second = await write(app, "gone@b.test", subject="Another")
    await dispatcher(app, smtp).drain()
    assert (await row(app, first)).status == OutboxStatus.DEAD
    later = await row(app, second)
    assert later.status == OutboxStatus.DEAD and later.error == "recipient is unreachable"
    async with app.database.transaction() as session:
        identity = await session.scalar(select(Identity).where(
            Identity.channel == "email", Identity.address == "gone@b.test"))
    assert identity is not None and identity.unreachable_at is not None
    assert smtp.received == []


async def test_a_permanent_refusal_of_the_message_is_dead_lettered(app: App,
                                                                   smtp: FakeSmtp) -> None:
    smtp.refuse_next("a@b.test", "554 5.7.1 Message rejected as spam")
    row_id = await write(app, "a@b.test")
    await dispatcher(app, smtp).drain()
    dead = await row(app, row_id)
    assert dead.status == OutboxStatus.DEAD and "554" in (dead.error or "")


async def test_a_server_that_is_down_means_retry(app: App, smtp: FakeSmtp) -> None:
    row_id = await write(app, "a@b.test")
    await dispatcher(app, smtp, url="smtp://127.0.0.1:1").drain()
    waiting = await row(app, row_id)
    assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 1


async def test_login_with_the_user_and_password_in_the_url(app: App) -> None:
    async with smtp_server(users={"bot@riverside.test": "s3cret"}) as smtp:
        await write(app, "a@b.test")
        await dispatcher(app, smtp, url=smtp.url("bot%40riverside.test", "s3cret")).drain()
        assert smtp.logins == [("bot@riverside.test", "s3cret")]
        assert len(smtp.received) == 1

        row_id = await write(app, "a@b.test", subject="Wrong password")
        await dispatcher(app, smtp, url=smtp.url("bot%40riverside.test", "nope")).drain()
        assert (await row(app, row_id)).status == OutboxStatus.PENDING  # ours to fix: retried


async def test_an_opted_out_address_gets_no_email(app: App, smtp: FakeSmtp) -> None:
    async with app.database.transaction() as session:
        session.add(Identity(channel="email", address="a@b.test", created_at=app.clock(),
                             opted_out_at=app.clock()))
    row_id = await write(app, "a@b.test")
    await dispatcher(app, smtp).drain()
    assert smtp.received == []
    assert (await row(app, row_id)).error == "recipient has opted out"


async def test_forget_erases_the_email_identity_and_its_unsent_emails(app: App) -> None:
    person_id = await add_person(app, Role.PARTNER, channel="email", address="a@b.test")
    row_id = await write(app, "a@b.test", person_id=person_id)
    async with app.database.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        await privacy.erase_person(session, person, app.clock(), actor="operator")
    async with app.database.transaction() as session:
        assert await session.get(OutboxMessage, row_id) is None
        assert await session.scalar(select(Identity).where(Identity.channel == "email")) is None


def test_addresses_are_checked_and_lowercased() -> None:
    assert emails.normalise("  Ann.Lee@Example.ORG ") == "ann.lee@example.org"
    for bad in ("ann", "ann@", "ann@example", "a b@example.org", "x" * 60 + "@example.org"):
        with pytest.raises(emails.InvalidAddress):
            emails.normalise(bad)


def test_smtp_urls() -> None:
    assert SmtpServer.parse("smtp://mail.test") == SmtpServer("mail.test", 25)
    assert SmtpServer.parse("smtp://u:p@mail.test?starttls=true") == SmtpServer(
        "mail.test", 587, "u", "p", start_tls=True)
    assert SmtpServer.parse("smtps://mail.test:2465") == SmtpServer("mail.test", 2465,
                                                                     use_tls=True)
    assert base64  # attachments are carried as base64 in the payload


@pytest.mark.parametrize(("environ", "problem"), [
    ({"SMTP_URL": "http://mail.test"}, "SMTP_URL must be an smtp:// or smtps:// URL"),
    ({"SMTP_URL": "smtp://mail.test"}, "SMTP_FROM is missing"),
    ({"SMTP_URL": "smtp://mail.test", "SMTP_FROM": FROM}, "SECRET_KEY is missing"),
    ({"SMTP_URL": "smtp://mail.test", "SMTP_FROM": FROM, "SECRET_KEY": "k" * 32},
     "PUBLIC_BASE_URL is missing"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 16 characters"),
])
def test_email_settings_stop_start_up_with_one_clear_line(environ: dict[str, str],
                                                          problem: str) -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError, match=problem):
        load_settings(environ, env_file=None)


async def test_champbot_run_plugs_in_email_when_smtp_is_set(app: App, smtp: FakeSmtp) -> None:
    from bot.server import configured_channels

    settings = load_settings({"DATABASE_URL": app.settings.database_url, "SMTP_URL": smtp.url(),
                              "SMTP_FROM": FROM, "SECRET_KEY": "k" * 32,
                              "PUBLIC_BASE_URL": "https://champ.test"}, env_file=None)
    [email] = configured_channels(App(settings, app.database, app.clock))
    assert email.sender.channel == "email" and email.sender.limits.per_second == 5
    await write(app, "a@b.test")
    await Dispatcher(app.database, [email.sender], app.clock).drain()
    assert [mail.subject for mail in smtp.received] == ["New concern C-1042"]


async def test_a_row_written_for_any_channel_goes_as_email_too(app: App, smtp: FakeSmtp) -> None:
    from bot.services import outbox
    from flows.types import Reply

    async with app.database.transaction() as session:
        outbox.enqueue(session, channel="email", address="coord@council.test", now=app.clock(),
                       reply=Reply("3 messages could not be delivered.\nSee the outbox."),
                       kind="failure_report")
    await dispatcher(app, smtp).drain()
    [mail] = smtp.received
    assert mail.subject == "3 messages could not be delivered."
    assert mail.text.splitlines() == ["3 messages could not be delivered.", "See the outbox."]


@pytest.mark.parametrize(("url", "starttls"), [("smtps://127.0.0.1:{port}", False),
                                               ("smtp://127.0.0.1:{port}?starttls=true", True)])
async def test_tls_from_the_start_or_by_starttls(app: App, tmp_path: Path, url: str,
                                                 starttls: bool) -> None:
    cert, key = certificate(tmp_path)
    async with smtp_server(tls=(cert, key), starttls=starttls) as smtp:
        sender = EmailSender(SmtpServer.parse(url.format(port=smtp.port)), FROM,
                             Limits(per_second=100), app.clock, ca_file=str(cert))
        await write(app, "a@b.test")
        await Dispatcher(app.database, [sender], app.clock).drain()
        assert [mail.subject for mail in smtp.received] == ["New concern C-1042"]


async def test_a_server_that_demands_starttls_is_not_sent_to_in_the_clear(
        app: App, tmp_path: Path) -> None:
    async with smtp_server(tls=certificate(tmp_path), starttls=True) as smtp:
        row_id = await write(app, "a@b.test")
        await dispatcher(app, smtp).drain()  # smtp:// without ?starttls=true
        assert smtp.received == []
        assert (await row(app, row_id)).status == OutboxStatus.PENDING


async def test_an_address_opted_out_or_bounced_can_be_mailed_again(app: App,
                                                                   smtp: FakeSmtp) -> None:
    async with app.database.transaction() as session:
        await emails.opt_out(session, "a@b.test", app.clock())
    await write(app, "a@b.test", subject="Not sent")
    await dispatcher(app, smtp).drain()
    async with app.database.transaction() as session:
        await emails.opt_in(session, "A@B.test", app.clock())
    await write(app, "a@b.test", subject="Sent")
    await dispatcher(app, smtp).drain()
    assert [mail.subject for mail in smtp.received] == ["Sent"]
