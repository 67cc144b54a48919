"""Logging set-up: ids and event names in logs, never message bodies, names or numbers.

``LOG_FORMAT=text`` (the default) is one readable line per event; ``json`` is one
JSON object per line: time, level, logger, event, and any ids passed as
``extra={...}``. Libraries that would log what people wrote (python-telegram-bot
logs whole requests at DEBUG, the database drivers log query parameters) are
held at WARNING whatever the level, and anything that still looks like a phone
number is masked.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

# Loggers that would write request bodies, URLs with tokens, or query parameters.
QUIET = ("httpx", "httpcore", "telegram", "twilio", "apscheduler", "aiosqlite", "asyncpg",
         "sqlalchemy", "alembic", "uvicorn.access", "aiohttp", "hpack", "multipart")
PHONE = re.compile(r"\+\d[\d ()-]{5,}\d")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def mask(text: str) -> str:
    return PHONE.sub("+…", text)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": mask(record.getMessage()),
        }
        ids = {key: value for key, value in vars(record).items() if key not in _STANDARD}
        if ids:
            entry["ids"] = {key: value if isinstance(value, int | float | bool | None)
                            else mask(str(value)) for key, value in ids.items()}
        if record.exc_info:
            entry["error"] = mask(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else TextFormatter()


def configure(level: int = logging.INFO, fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for noisy in QUIET:
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
