"""The health information library: short messages by topic, each in several languages.

Coordinators keep it in spreadsheets (CSV, one row per message per language:
id, topic, language, title, body, source_name, source_url) and import them
with `champbot messages import FILE...`. The starter library is in
data/health-library/, one file per language, shipped inside the package
(`champbot demo` and `champbot messages import --library` load it).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import HealthMessage, HealthMessageText
from flows.definitions.options import TOPICS
from flows.languages import CODES

STARTER = files("bot") / "data" / "health-library"  # links to data/health-library/
COLUMNS = ("id", "topic", "language", "title", "body", "source_name", "source_url")
TOPIC_IDS = {option.id for option in TOPICS}
MAX_TITLE, MAX_BODY = 60, 900


class LibraryFileError(ValueError):
    pass


@dataclass(frozen=True)
class Row:
    slug: str
    topic: str
    language: str
    title: str
    body: str
    source_name: str
    source_url: str


def read_csv(text: str, name: str = "file") -> list[Row]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(column or "").strip().lower() for column in reader.fieldnames or ()]
    missing = [c for c in COLUMNS[:5] if c not in header]
    if missing:
        raise LibraryFileError(f"{name}: missing column(s) {', '.join(missing)}")
    rows = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue
        where = f"{name}, line {number}"
        problem = _problem(row)
        if problem:
            raise LibraryFileError(f"{where}: {problem}")
        rows.append(Row(row["id"], row["topic"], row["language"], row["title"], row["body"],
                        row.get("source_name", ""), row.get("source_url", "")))
    return rows


def _problem(row: dict[str, str]) -> str | None:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", row["id"]):
        return "id must be lower-case letters, digits and dashes"
    if row["topic"] not in TOPIC_IDS:
        return f"unknown topic {row['topic']!r} (one of: {', '.join(sorted(TOPIC_IDS))})"
    if row["language"] not in CODES:
        return f"unknown language {row['language']!r} (one of: {', '.join(CODES)})"
    if not row["title"] or len(row["title"]) > MAX_TITLE:
        return f"the title must be 1 to {MAX_TITLE} characters"
    if not row["body"] or len(row["body"]) > MAX_BODY:
        return f"the body must be 1 to {MAX_BODY} characters"
    url = row.get("source_url", "")
    if url and not url.startswith("https://"):
        return "the source_url must start with https://"
    return None


def starter_rows() -> list[Row]:
    rows: list[Row] = []
    for path in sorted((p for p in STARTER.iterdir() if p.name.endswith(".csv")),
                       key=lambda p: p.name):
        rows += read_csv(path.read_text(encoding="utf-8"), path.name)
    return rows


async def import_rows(session: AsyncSession, rows: list[Row], now: datetime,
                      done: Callable[[], None] = lambda: None) -> tuple[int, int]:
    """Add or update messages and their texts; returns (messages added, texts written).
    ``done`` is called for each row (for a progress bar)."""
    added = written = 0
    # The library is small: read it whole once rather than ask about each row.
    messages = {m.slug: m for m in await session.scalars(select(HealthMessage))}
    texts = {(t.message_id, t.language): t
             for t in await session.scalars(select(HealthMessageText))}
    for row in sorted(rows, key=lambda r: r.language != "en"):  # English carries the source
        done()
        message = messages.get(row.slug)
        if message is None:
            if not row.source_name or not row.source_url:
                raise LibraryFileError(f"{row.slug}: a new message needs source_name and "
                                       "source_url (name the source, e.g. an NHS page)")
            message = HealthMessage(slug=row.slug, topic=row.topic, source_name=row.source_name,
                                    source_url=row.source_url, created_at=now, updated_at=now)
            session.add(message)
            await session.flush()
            messages[row.slug] = message
            added += 1
        elif row.language == "en" or row.source_name:
            message.topic = row.topic
            message.source_name = row.source_name or message.source_name
            message.source_url = row.source_url or message.source_url
            message.updated_at = now
        text = texts.get((message.id, row.language))
        if text is None:
            text = HealthMessageText(message_id=message.id, language=row.language,
                                     title=row.title, body=row.body)
            session.add(text)
            texts[(message.id, row.language)] = text
        else:
            text.title, text.body = row.title, row.body
        written += 1
    await session.flush()
    return added, written
