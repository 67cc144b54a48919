"""The champbot command. Each module here adds the commands for one subject."""

from bot.cli import (  # noqa: F401  (registers)
    broadcasts,
    dashboard,
    database,
    email,
    media,
    outbox,
    partners,
    people,
    programme,
    report,
    running,
)
from bot.cli.common import cli, main

__all__ = ["cli", "main"]
