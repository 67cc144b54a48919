"""One typed settings object, read once from the environment and an optional .env file."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from flows.conversation import Emergency
from flows.languages import CODES

_SECRETS = {"telegram_bot_token", "telegram_webhook_secret", "twilio_auth_token", "smtp_url"}


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    database_url: str = "sqlite+aiosqlite:///champbot.db"
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

    # Said at once when a message suggests someone is in danger (UK defaults).
    emergency_number: str = "999"
    urgent_care_number: str = "111"
    urgent_care_mental_health_option: str = "2"
    crisis_line_name: str = "Samaritans"
    crisis_line_number: str = "116 123"
    crisis_text_word: str = "SHOUT"
    crisis_text_number: str = "85258"
    concern_response_days: int = Field(default=5, ge=1, le=60)
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

    @field_validator("whatsapp_templates_file")
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
        return self

    @property
    def emergency(self) -> Emergency:
        return Emergency(
            emergency=self.emergency_number, urgent=self.urgent_care_number,
            mental_health_option=self.urgent_care_mental_health_option,
            crisis_name=self.crisis_line_name, crisis_number=self.crisis_line_number,
            text_word=self.crisis_text_word, text_number=self.crisis_text_number)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def conversation_timeout(self) -> timedelta:
        return timedelta(hours=self.conversation_timeout_hours)

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def whatsapp_enabled(self) -> bool:
        return self.twilio_account_sid is not None


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
