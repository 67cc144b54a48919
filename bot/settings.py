"""One typed settings object, read once from the environment and an optional .env file."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from flows.conversation import Emergency
from flows.languages import CODES

_SECRETS = {"telegram_bot_token", "telegram_webhook_secret", "twilio_auth_token", "smtp_url",
            "secret_key"}
SMTP_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpServer:
    """Where email goes, from SMTP_URL: smtp://, smtp://...?starttls=true, or smtps://."""

    hostname: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False  # smtps://: TLS from the first byte
    start_tls: bool = False  # STARTTLS after connecting, required when asked for

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        query = dict(parse_qsl(parts.query))
        if scheme not in ("smtp", "smtps"):
            raise ValueError("must be an smtp:// or smtps:// URL")
        if not parts.hostname:
            raise ValueError("has no host name")
        starttls = query.get("starttls", "false").lower()
        if starttls not in ("true", "false"):
            raise ValueError("starttls must be true or false")
        start_tls = scheme == "smtp" and starttls == "true"
        try:
            port = parts.port or SMTP_PORTS["smtp+starttls" if start_tls else scheme]
        except ValueError:
            raise ValueError("has a bad port") from None
        return cls(parts.hostname, port, unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None,
                   use_tls=scheme == "smtps", start_tls=start_tls)


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    database_url: str = "sqlite+aiosqlite:///champbot.db"
    # PostgreSQL connections each process may hold: keep (processes × this) under the
    # server's max_connections (100 by default).
    database_pool_size: int = Field(default=50, ge=1, le=1000)
    programme_name: str = "Community Health Champions"
    default_language: str = "en"
    timezone: str = "Europe/London"
    conversation_timeout_hours: float = Field(default=24, gt=0)
    open_registration: bool = False

    telegram_bot_token: SecretStr | None = None
    telegram_bot_username: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_secret: SecretStr | None = None
    # Telegram's free limit is about 30 a second; paid broadcasts allow more.
    telegram_messages_per_second: float = Field(default=30, gt=0)

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_whatsapp_from: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    whatsapp_templates_file: Path | None = None
    whatsapp_messages_per_second: float = Field(default=80, gt=0)

    public_base_url: str | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    smtp_url: SecretStr | None = None
    smtp_from: str | None = None
    smtp_ca_file: Path | None = None  # a CA to trust for the SMTP server (a private relay)
    email_messages_per_second: float = Field(default=5, gt=0)
    # Signs links in emails (and sign-in links): required when email is used.
    secret_key: SecretStr | None = None

    # Photos and voice notes sent with concerns: fetched at once and kept here.
    media_dir: Path = Path("media")
    media_max_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    media_retention_days: int = Field(default=180, ge=1)
    log_format: Literal["text", "json"] = "text"

    # Said at once when a message suggests someone is in danger (UK defaults).
    emergency_number: str = "999"
    urgent_care_number: str = "111"
    urgent_care_mental_health_option: str = "2"
    crisis_line_name: str = "Samaritans"
    crisis_line_number: str = "116 123"
    crisis_text_word: str = "SHOUT"
    crisis_text_number: str = "85258"
    abuse_line_name: str = "National Domestic Abuse Helpline"
    abuse_line_number: str = "0808 2000 247"
    concern_response_days: int = Field(default=5, ge=1, le=60)
    # Non-urgent broadcasts wait until the end of these hours (in TIMEZONE); "off" for none.
    broadcast_quiet_hours: str = "21:00-08:00"
    # Follow-up of escalations not acknowledged: urgent after hours, others after working days.
    urgent_acknowledge_hours: float = Field(default=4, gt=0, le=168)
    follow_up_working_days: int = Field(default=3, ge=1, le=30)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Values come only from what load_settings passes in, so the
        # environment is injectable and tests never patch os.environ.
        return (init_settings,)

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in CODES:
            raise ValueError(f"must be one of {', '.join(CODES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not a known time zone, like Europe/London") from None
        return value

    @field_validator("broadcast_quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        try:
            quiet_hours(value)
        except ValueError:
            raise ValueError("must be like 21:00-08:00 (start-end, in TIMEZONE) or off") from None
        return value

    @field_validator("whatsapp_templates_file", "smtp_ca_file")
    @classmethod
    def _readable_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError("is not a file")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # What Telegram accepts as a webhook secret_token.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}",
                                                  value.get_secret_value()):
            raise ValueError("must be 1 to 256 letters, digits, _ or -")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            SmtpServer.parse(value.get_secret_value())
        return value

    @field_validator("smtp_from")
    @classmethod
    def _smtp_from(cls, value: str | None) -> str | None:
        if value is not None and "@" not in parseaddr(value)[1]:
            raise ValueError("must be an email address, like Champions <bot@example.org>")
        return value

    @field_validator("secret_key")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (use a long random string)")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @model_validator(mode="after")
    def _complete_groups(self) -> Settings:
        twilio = {
            "TWILIO_ACCOUNT_SID": self.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": self.twilio_auth_token,
            "TWILIO_WHATSAPP_FROM": self.twilio_whatsapp_from,
        }
        if any(twilio.values()):
            for name, value in twilio.items():
                if not value:
                    raise ValueError(f"{name} is missing (the other Twilio settings are set)")
            if not self.public_base_url:
                raise ValueError("PUBLIC_BASE_URL is missing (Twilio signs webhooks with it)")
        if self.telegram_bot_token and self.telegram_mode == "webhook":
            if not self.public_base_url:
                raise ValueError("PUBLIC_BASE_URL is missing (TELEGRAM_MODE is webhook)")
            if not self.telegram_webhook_secret:
                raise ValueError("TELEGRAM_WEBHOOK_SECRET is missing (TELEGRAM_MODE is webhook)")
        if self.smtp_url is not None:
            if not self.smtp_from:
                raise ValueError("SMTP_FROM is missing (SMTP_URL is set)")
            if not self.secret_key:
                raise ValueError("SECRET_KEY is missing (SMTP_URL is set: links in emails "
                                 "are signed with it)")
            if not self.public_base_url:
                raise ValueError("PUBLIC_BASE_URL is missing (SMTP_URL is set: links in "
                                 "emails point to it)")
        return self

    @property
    def emergency(self) -> Emergency:
        return Emergency(
            emergency=self.emergency_number, urgent=self.urgent_care_number,
            mental_health_option=self.urgent_care_mental_health_option,
            crisis_name=self.crisis_line_name, crisis_number=self.crisis_line_number,
            text_word=self.crisis_text_word, text_number=self.crisis_text_number,
            abuse_name=self.abuse_line_name, abuse_number=self.abuse_line_number)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def quiet_hours(self) -> tuple[time, time] | None:
        return quiet_hours(self.broadcast_quiet_hours)

    @property
    def conversation_timeout(self) -> timedelta:
        return timedelta(hours=self.conversation_timeout_hours)

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def whatsapp_enabled(self) -> bool:
        return self.twilio_account_sid is not None

    @property
    def email_enabled(self) -> bool:
        return self.smtp_url is not None

    @property
    def smtp(self) -> SmtpServer:
        if self.smtp_url is None:
            raise SettingsError("champbot: setting SMTP_URL is missing")
        return SmtpServer.parse(self.smtp_url.get_secret_value())

    @property
    def secret(self) -> str:
        """The key links are signed with; a clear error where it is needed and missing."""
        if self.secret_key is None:
            raise SettingsError("champbot: setting SECRET_KEY is missing (needed to sign links)")
        return self.secret_key.get_secret_value()


def quiet_hours(value: str) -> tuple[time, time] | None:
    """``"21:00-08:00"`` as two times; ``"off"`` as None. ValueError if malformed."""
    if value.strip().lower() in ("off", "none"):
        return None
    first, _dash, second = value.partition("-")
    start, end = time.fromisoformat(first.strip()), time.fromisoformat(second.strip())
    if start == end:
        raise ValueError("the start and end of quiet hours must differ")
    return start, end


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    field = str(first["loc"][0]).upper() if first["loc"] else ""
    message = str(first["msg"]).removeprefix("Value error, ")
    if not field:
        return f"champbot: setting problem: {message}"
    shown = "" if field.lower() in _SECRETS else f" (got {first.get('input')!r})"
    if first["type"] == "missing":
        return f"champbot: setting {field} is missing"
    return f"champbot: setting {field} {message}{shown}"


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Settings from ``environ`` (default: the process environment) over a .env file."""
    values: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    known = {name.upper() for name in Settings.model_fields}
    chosen = {k.lower(): v for k, v in values.items() if k.upper() in known and v != ""}
    try:
        return Settings(**chosen)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(_one_line(error)) from None
