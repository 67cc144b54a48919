"""Bringing a programme in from a spreadsheet: `champbot people import FILE.csv`.

Columns: name, channel (telegram or whatsapp), address (a Telegram chat id or a
phone number), language, area, topics (separated by ``;``), consent_version,
consented_on (consent given on paper, at a training session). A bad row is
reported by its line number and nothing of it is kept; the good rows are
imported. A person is matched by (channel, address), so running the same file
again updates people instead of adding them twice. Such people have never
written: on WhatsApp they are outside the 24 hours and get a template first.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import phonenumbers
from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Area, Consent, Identity, Person, Role, Status
from flows.definitions.options import TOPICS
from flows.languages import CODES

COLUMNS = ("name", "channel", "address", "language", "area", "topics", "consent_version",
           "consented_on")
CHANNELS = ("telegram", "whatsapp")
WHATSAPP = "whatsapp:"
TOPIC_IDS = {option.id for option in TOPICS}


class ImportFileError(ValueError):
    pass


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    channel: str
    address: str
    language: str
    area: str
    topics: tuple[str, ...]
    consent_version: str
    consented_on: date


@dataclass
class Outcome:
    added: int = 0
    updated: int = 0
    problems: list[str] = field(default_factory=list)  # "line 7: ..." per bad row


def read_csv(text: str, areas: dict[str, int], today: date | None = None
             ) -> tuple[list[Row], list[str]]:
    """The good rows and, for each bad one, "line N: what is wrong". Consent cannot have
    been given after ``today`` (the programme's date; the computer's when not given)."""
    today = today or date.today()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = {(column or "").strip().lower() for column in reader.fieldnames or ()}
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise ImportFileError(f"missing column(s): {', '.join(missing)} "
                              f"(the columns are {', '.join(COLUMNS)})")
    rows: list[Row] = []
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(reader, start=2):
        values = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()
                  if isinstance(v, str)}
        if not any(values.values()):
            continue
        try:
            row = _row(number, values, areas, today)
        except ValueError as error:
            problems.append(f"line {number}: {error}")
            continue
        key = (row.channel, row.address)
        if key in seen:
            problems.append(f"line {number}: the same {row.channel} address as line {seen[key]}")
            continue
        seen[key] = number
        rows.append(row)
    return rows, problems


def _row(line: int, values: dict[str, str], areas: dict[str, int], today: date) -> Row:
    name = values["name"]
    if not name or len(name) > 60:
        raise ValueError("the name must be 1 to 60 characters")
    channel = values["channel"].lower()
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of: {', '.join(CHANNELS)}")
    address = _address(channel, values["address"])
    language = values["language"].lower()
    if language not in CODES:
        raise ValueError(f"unknown language {values['language']!r} (one of: {', '.join(CODES)})")
    if values["area"] and values["area"].lower() not in areas:
        raise ValueError(f"unknown area {values['area']!r} (see `champbot areas list`)")
    topics = tuple(t.strip() for t in values["topics"].split(";") if t.strip())
    for topic in topics:
        if topic.lower() not in TOPIC_IDS:
            raise ValueError(f"unknown topic {topic!r} (one of: {', '.join(sorted(TOPIC_IDS))})")
    if not values["consent_version"] or len(values["consent_version"]) > 20:
        raise ValueError("consent_version must be 1 to 20 characters")
    try:
        consented_on = date.fromisoformat(values["consented_on"])
    except ValueError:
        raise ValueError("consented_on must be a date like 2026-10-14") from None
    if consented_on > today:
        raise ValueError(f"consented_on {consented_on} is in the future (today is {today})")
    return Row(line, name, channel, address, language, values["area"].lower(),
               tuple(topic.lower() for topic in topics), values["consent_version"], consented_on)


def _address(channel: str, value: str) -> str:
    if channel == "telegram":
        if not value.lstrip("-").isdigit():
            raise ValueError("a Telegram address is the chat id, a number")
        return str(int(value))
    if value[:len(WHATSAPP)].lower() == WHATSAPP:  # as Twilio writes it: whatsapp:+44...
        value = value[len(WHATSAPP):].strip()
    try:
        number = phonenumbers.parse(value if value.startswith("+") else "+" + value, None)
    except phonenumbers.NumberParseException:
        raise ValueError("the address is not a phone number (like +447700900123)") from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError("the address is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


async def area_codes(session: AsyncSession) -> dict[str, int]:
    """Areas by lower-case name and by code."""
    found: dict[str, int] = {}
    for area in await session.scalars(select(Area)):
        found[area.name.lower()] = area.id
        found[area.code] = area.id
    return found


async def import_rows(session: AsyncSession, rows: list[Row], areas: dict[str, int],
                      now: datetime, done: Callable[[], None] = lambda: None
                      ) -> tuple[int, int, int]:
    """Add or update everyone in ``rows`` (few queries, whatever the size).

    (added, updated, left alone): someone who left the programme or was erased is not
    brought back by a spreadsheet."""
    existing: dict[tuple[str, str], Identity] = {}
    keys = [(row.channel, row.address) for row in rows]
    for start in range(0, len(keys), 500):
        for found in await session.scalars(select(Identity).where(
                tuple_(Identity.channel, Identity.address).in_(keys[start:start + 500]))):
            existing[(found.channel, found.address)] = found
    people = {person.id: person for person in await session.scalars(select(Person).where(
        Person.id.in_([i.person_id for i in existing.values() if i.person_id])))}
    added = updated = 0
    fresh: dict[int, Person] = {}
    kept = []
    for row in rows:
        done()
        identity = existing.get((row.channel, row.address))
        person = people.get(identity.person_id) if identity and identity.person_id else None
        if person is None:
            person = Person(role=Role.CHAMPION, status=Status.ACTIVE, created_at=now,
                            language=row.language, topics=[])
            session.add(person)
            fresh[row.line] = person
            added += 1
        elif person.status in (Status.OPTED_OUT, Status.ERASED):
            continue
        else:
            updated += 1
        kept.append(row)
        person.display_name, person.language = row.name, row.language
        person.area_id = areas.get(row.area) if row.area else None
        person.topics, person.updated_at = list(row.topics), now
    await session.flush()
    consents = await _consents(session, [p.id for p in people.values()])
    for row in kept:
        identity = existing.get((row.channel, row.address))
        person_id = identity.person_id if identity else None
        if person_id is None:
            person_id = fresh[row.line].id
            if identity is None:
                session.add(Identity(channel=row.channel, address=row.address,
                                     person_id=person_id, created_at=now))
            else:
                identity.person_id = person_id
        if (person_id, row.consent_version) not in consents:
            session.add(Consent(person_id=person_id, version=row.consent_version,
                                given_at=datetime.combine(row.consented_on, time(), UTC)))
    await session.flush()
    return added, updated, len(rows) - len(kept)


async def _consents(session: AsyncSession, people: list[int]) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for start in range(0, len(people), 500):
        found |= {(p, v) for p, v in await session.execute(
            select(Consent.person_id, Consent.version).where(
                Consent.person_id.in_(people[start:start + 500]),
                Consent.withdrawn_at.is_(None)))}
    return found

