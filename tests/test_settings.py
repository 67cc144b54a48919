"""Settings come from an injected environment; a bad one stops start-up with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import database_for
from bot.settings import SettingsError, load_settings


def test_defaults_need_nothing_set() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///champbot.db"
    assert settings.default_language == "en"
    assert settings.conversation_timeout.total_seconds() == 24 * 3600
    assert not settings.telegram_enabled and not settings.whatsapp_enabled


def test_a_plain_postgresql_url_gets_the_async_driver() -> None:
    settings = load_settings({"DATABASE_URL": "postgresql://u@db:5432/champ"}, env_file=None)
    assert settings.database_url == "postgresql+asyncpg://u@db:5432/champ"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"TELEGRAM_MODE": "poll"}, "TELEGRAM_MODE"),
        ({"HTTP_PORT": "eighty"}, "HTTP_PORT"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"DEFAULT_LANGUAGE": "fr"}, "DEFAULT_LANGUAGE"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE"),
        ({"CONVERSATION_TIMEOUT_HOURS": "-1"}, "CONVERSATION_TIMEOUT_HOURS"),
        ({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_WHATSAPP_FROM": "+441"}, "TWILIO_AUTH_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_MODE": "webhook"}, "PUBLIC_BASE_URL"),
        ({"TELEGRAM_WEBHOOK_SECRET": "not a secret!"}, "TELEGRAM_WEBHOOK_SECRET"),
    ],
)
def test_a_bad_or_missing_setting_is_named_in_one_line(
    environ: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ, env_file=None)
    message = str(raised.value)
    assert named in message and "\n" not in message


async def test_each_process_holds_at_most_its_pool_of_connections() -> None:
    for given, size in (({}, 50), ({"DATABASE_POOL_SIZE": "12"}, 12)):
        settings = load_settings({"DATABASE_URL": "postgresql://u@db:5432/champ", **given},
                                 env_file=None)
        database = database_for(settings)  # what `champbot run` opens
        try:
            assert database.engine.pool.size() == size  # type: ignore[attr-defined]
        finally:
            await database.close()


def test_secrets_are_never_repeated_in_errors() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"TWILIO_AUTH_TOKEN": "s3cret-token", "TWILIO_ACCOUNT_SID": "AC1"},
                      env_file=None)
    assert "s3cret" not in str(raised.value)


def test_a_dotenv_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PROGRAMME_NAME=Eastside Champions\nDEFAULT_LANGUAGE=pl\n")
    settings = load_settings({"DEFAULT_LANGUAGE": "ur"}, env_file=env_file)
    assert settings.programme_name == "Eastside Champions"
    assert settings.default_language == "ur"
