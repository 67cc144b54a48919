"""The champbot command. Each module here adds the commands for one subject."""

from bot.cli import database, media, outbox, people, programme, running  # noqa: F401  (registers)
from bot.cli.common import cli, main

__all__ = ["cli", "main"]
