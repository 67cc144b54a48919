"""Broadcasts: one health message to many people, each in their own language.

Chat and the CLI call these alike. ``create`` records what to send, to whom and
when; ``start`` fixes the audience and writes it to the outbox (see fanout), and
refuses to send by hand to an audience nobody matches (``reach``); ``send_now`` is
both at once, and makes nothing when refused; ``cancel`` stops what was not yet
sent, of a repeating broadcast's copies too; the scheduler's ``tick`` starts what
is due (see schedule).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audiences, fanout, permissions, schedule
from bot.services.permissions import Action, Actor, Scope
from bot.services.problems import Problem
from bot.settings import Settings
from bot.storage.broadcasts import Broadcast, BroadcastStatus, BroadcastText
from bot.storage.database import Database
from bot.storage.models import Area, HealthMessage, HealthMessageText, Role
from flows import languages
from flows.i18n import N_
from flows.languages import CODES

log = logging.getLogger(__name__)

MAX_TEXT = 1000
REPEATS = ("weekly", "monthly")
FIELDS = ("texts", "audience", "at", "library_message", "repeat", "urgent")


# A time this little in the past is "now" (a file written a moment ago); earlier is refused.
PAST_GRACE = timedelta(minutes=1)

# Sending by hand to an audience that matches nobody (see ``reach``) is refused.
NOBODY = N_("nobody matches the audience, so no one would receive it: choose another "
            "audience")


class BroadcastError(Problem):
    """Something about the broadcast asked for cannot be done; the message says what, in
    any interface's words and language (see problems.Problem)."""


class FileError(ValueError):
    """A broadcast file that cannot be read as one: the message names the file and the
    field (the command line's own input, so said in its words)."""


@dataclass(frozen=True)
class Request:
    """What a coordinator asks to send (from a file or from chat)."""

    texts: Mapping[str, str] = field(default_factory=dict)
    audience: str | Mapping[str, Any] = "all"
    at: datetime | None = None
    library_message: str | None = None
    repeat: str | None = None
    urgent: bool = False


def _whole_characters(value: Any) -> Any:
    """Strings with JSON's escaped pairs ("\\ud83d\\udc89", as json.dumps writes an
    emoji) joined into the character they stand for: YAML reads each half on its own.
    UnicodeError for half a pair."""
    if isinstance(value, str):
        if any("\ud800" <= char <= "\udfff" for char in value):
            return value.encode("utf-16", "surrogatepass").decode("utf-16")
        return value
    if isinstance(value, dict):
        return {_whole_characters(k): _whole_characters(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_characters(item) for item in value]
    return value


def read_request(text: str, name: str = "file") -> Request:
    """A broadcast file: YAML or JSON (JSON is YAML too); FileError says what is wrong."""
    try:
        data = _whole_characters(yaml.safe_load(text))
    except yaml.YAMLError as error:
        raise FileError(f"{name}: not valid YAML or JSON ({str(error).splitlines()[0]})"
                        ) from None
    except UnicodeError:
        raise FileError(f"{name}: a \\u escape that is half of a character (an emoji "
                        "needs both of its two \\u escapes)") from None
    if not isinstance(data, dict):
        raise FileError(f"{name}: expected a map with {', '.join(FIELDS)}")
    unknown = sorted(set(data) - set(FIELDS), key=str)
    if unknown:
        raise FileError(f"{name}: unknown field {unknown[0]!r} (one of: {', '.join(FIELDS)})")
    texts = data.get("texts") or {}
    if not isinstance(texts, dict):
        raise FileError(f"{name}: texts is a map of language code to text")
    for code, text in texts.items():
        if not isinstance(text, str):
            raise FileError(f"{name}: texts: the {code} text must be words, not "
                            f"{_kind(text)} ({text!r}); put it in quotes if need be")
    audience = data.get("audience", "all")
    if not isinstance(audience, str | dict):
        raise FileError(f"{name}: audience is all, or a map of areas, languages, topics, "
                        f"roles and group (not {_kind(audience)})")
    library = data.get("library_message")
    if library is not None and (isinstance(library, bool) or not isinstance(library, str | int)):
        raise FileError(f"{name}: library_message is one message's id (not {_kind(library)})")
    urgent = data.get("urgent")
    if urgent is not None and not isinstance(urgent, bool):
        raise FileError(f"{name}: urgent must be true or false (got {urgent!r})")
    return Request(
        texts={str(k): v.strip() for k, v in texts.items()},
        audience=audience,
        at=_time(data.get("at"), name),
        library_message=str(library) if library is not None else None,
        repeat=data.get("repeat"), urgent=bool(urgent))


def _kind(value: object) -> str:
    """What a YAML value is, in a file writer's words."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a map"
    return "a date or time" if isinstance(value, date) else type(value).__name__


def _time(value: object, name: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise FileError(f"{name}: at must be an ISO 8601 time like "
                            "2026-12-01T09:30:00+00:00") from None
    if moment is not None and moment.tzinfo is None:
        raise FileError(f"{name}: at needs a time zone (e.g. +00:00 or Z)")
    return moment


async def create(database: Database, settings: Settings, actor: Actor, request: Request,
                 now: datetime) -> int:
    """Record a broadcast (not started); its id."""
    async with database.transaction() as session:
        return await create_in(session, settings, actor, request, now)


async def _may_send_to(session: AsyncSession, actor: Actor, areas: Sequence[int],
                       now: datetime) -> None:
    """A coordinator given areas sends only to champions there: an audience of other areas,
    or of every area, is refused (and audited) with the areas they may choose, in words
    any interface can show, rather than a bare "not allowed"."""
    if permissions.may_broadcast_to(actor, areas):
        return
    outside = [area for area in areas if area not in actor.areas]
    scope = Scope(area_id=outside[0] if outside else None)
    if actor.role is not Role.COORDINATOR or not actor.areas:
        permissions.require(session, actor, Action.SEND_BROADCAST, scope, now)  # Forbidden
    permissions.refuse(session, actor, Action.SEND_BROADCAST, scope, now)
    names = sorted(await session.scalars(select(Area.name).where(Area.id.in_(actor.areas))))
    raise BroadcastError(N_("you send health messages to the areas you coordinate "
                            "({areas}): choose among them"), areas=", ".join(names))


async def create_in(session: AsyncSession, settings: Settings, actor: Actor, request: Request,
                    now: datetime) -> int:
    """``create`` in the caller's transaction (a chat turn); due at ``request.at`` if given."""
    audience = await _audience(session, request.audience)
    _check(request)
    if request.at is not None and request.at < now - PAST_GRACE:
        raise BroadcastError(N_("its time ({when}) has passed: give a later one, or none to "
                                "send it now"),
                             when=f"{request.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
    await _may_send_to(session, actor, audience.areas, now)
    texts, library_id = await _texts(session, request)
    if settings.default_language not in texts:
        raise BroadcastError(
            N_("a text in the programme's default language ({language}) is needed: people "
               "without a translation get that one"),
            language=languages.get(settings.default_language).native_name)
    broadcast = Broadcast(
        status=BroadcastStatus.SCHEDULED if request.at else BroadcastStatus.DRAFT,
        library_message_id=library_id, audience=audience.to_dict(), at=request.at,
        repeat=request.repeat, urgent=request.urgent, created_by=actor.label,
        created_at=now)
    session.add(broadcast)
    await session.flush()
    for code, text in texts.items():
        session.add(BroadcastText(broadcast_id=broadcast.id, language=code, text=text))
    return broadcast.id


async def _audience(session: AsyncSession, spec: str | Mapping[str, Any]) -> audiences.Audience:
    try:
        return await audiences.resolve(session, spec)
    except audiences.AudienceError as error:
        raise BroadcastError.like(error) from None


def _check(request: Request) -> None:
    if request.repeat is not None and request.repeat not in REPEATS:
        raise BroadcastError(N_("a broadcast repeats weekly or monthly, or not at all"),
                             about="repeat")
    if request.repeat and request.at is None:
        raise BroadcastError(N_("a repeating broadcast needs a first time"), about="at")
    if not request.texts and not request.library_message:
        raise BroadcastError(N_("the message has no text"), about="texts")
    for code, text in request.texts.items():
        if code not in CODES:
            raise BroadcastError(N_("unknown language '{code}' (one of: {codes})"), code=code,
                                 codes=", ".join(CODES))
        if not text or len(text) > MAX_TEXT:
            raise BroadcastError(N_("the {language} text must be 1 to {most} characters"),
                                 language=languages.get(code).native_name, most=MAX_TEXT)


async def _texts(session: AsyncSession, request: Request) -> tuple[dict[str, str], int | None]:
    if not request.library_message:
        return dict(request.texts), None
    wanted = request.library_message
    message = await session.scalar(select(HealthMessage).where(
        HealthMessage.id == int(wanted) if wanted.isdigit() else HealthMessage.slug == wanted))
    if message is None:
        raise BroadcastError(N_("no health library message '{message}'"), about="library",
                             message=wanted)
    texts = {}
    for row in await session.scalars(select(HealthMessageText).where(
            HealthMessageText.message_id == message.id)):
        texts[row.language] = f"{row.title}\n\n{row.body}\n\n{message.source_url}"
    return {**texts, **request.texts}, message.id


@dataclass(frozen=True)
class Started:
    broadcast_id: int
    recipients: int
    held_until: datetime | None = None  # quiet hours: it starts then instead
    # A repeating broadcast started by hand: this copy goes now, and the broadcast
    # still goes at its next time (its own ``at``).
    repeats_next: datetime | None = None


async def start(database: Database, settings: Settings, actor: Actor, broadcast_id: int,
                now: datetime, *, at_its_time: bool = False) -> Started:
    """Start now (quiet hours hold a non-urgent one until morning); write the audience.
    Refused when nobody matches its audience, unless ``at_its_time`` (see start_in)."""
    async with database.transaction() as session:
        begun = await start_in(session, settings, actor, broadcast_id, now,
                               at_its_time=at_its_time)
    return await _write(database, begun, now)


async def _write(database: Database, begun: Started, now: datetime) -> Started:
    """Write a started broadcast's audience to the outbox (not one held for quiet hours)."""
    if begun.held_until is not None:
        return begun
    written = await fanout.run(database, begun.broadcast_id, now)
    return replace(begun, recipients=written)


async def start_in(session: AsyncSession, settings: Settings, actor: Actor, broadcast_id: int,
                   now: datetime, *, at_its_time: bool = False) -> Started:
    """``start`` in the caller's transaction (a dashboard page), all but writing the
    audience: held until the end of quiet hours (``held_until``, when it will start), or
    ready for ``fanout.run`` after the commit (``broadcast_id`` is what to write: a
    recurring broadcast's copy for this time).

    Started by hand (the command line, the page), an audience nobody matches is refused
    (NOBODY) and nothing changes. The scheduler (``at_its_time``) starts what is due
    whoever matches then: a scheduled broadcast was accepted for later, and its report
    says it went to no one."""
    broadcast = await _get(session, broadcast_id)
    permissions.require(session, actor, Action.SEND_BROADCAST, None, now)
    if broadcast.status == BroadcastStatus.STARTED:
        raise BroadcastError(N_("broadcast {number} has already started"),
                             number=broadcast_id)
    if broadcast.status == BroadcastStatus.CANCELLED:
        raise BroadcastError(N_("broadcast {number} was already cancelled"),
                             number=broadcast_id)
    if broadcast.status == BroadcastStatus.STARTING:
        return Started(broadcast.id, 0)  # a crash left it half written: carry on
    if not at_its_time and not await reach_in(session, broadcast.id):
        raise BroadcastError(NOBODY, about="audience")
    held = schedule.quiet_until(settings, now) if not broadcast.urgent else None
    if held is not None:
        # Asked for now, it is due now (a recurring one keeps its times); it goes when
        # the quiet hours end, and schedule.due starts it then.
        broadcast.status = BroadcastStatus.SCHEDULED
        if broadcast.at is None or (broadcast.at > now and not broadcast.repeat):
            broadcast.at = now
        broadcast.held_until = held
        return Started(broadcast.id, 0, held,
                       repeats_next=broadcast.at if broadcast.repeat else None)
    if broadcast.status == BroadcastStatus.SCHEDULED and schedule.is_late(broadcast, now):
        broadcast.late = True  # a restart missed its time: sent now, once, and said
    parent = broadcast
    broadcast = await schedule.occurrence(session, parent, now, settings.zone)
    broadcast.status = BroadcastStatus.STARTING
    broadcast.started_at = now
    await fanout.prepare(session, broadcast, settings.default_language)
    return Started(broadcast.id, 0, repeats_next=parent.at if parent.repeat else None)


async def send_now(database: Database, settings: Settings, actor: Actor, request: Request,
                   now: datetime) -> tuple[int, Started]:
    """``create`` and ``start`` at once (`broadcast create --now`): its id and how it
    started. Refused (as either refuses, an audience nobody matches too), nothing is made."""
    async with database.transaction() as session:
        made, begun = await send_now_in(session, settings, actor, request, now)
    return made, await _write(database, begun, now)


async def send_now_in(session: AsyncSession, settings: Settings, actor: Actor,
                      request: Request, now: datetime) -> tuple[int, Started]:
    """``send_now`` in the caller's transaction (a dashboard page), all but writing the
    audience (see start_in). In a savepoint: refused, what was begun is undone, so the
    page may go on (show the form again) and still commit nothing of it. Who may send to
    the audience is asked first, outside it: a refusal is audited, and the audit kept."""
    await _may_send_to(session, actor, (await _audience(session, request.audience)).areas, now)
    async with session.begin_nested():
        made = await create_in(session, settings, actor, request, now)
        return made, await start_in(session, settings, actor, made, now)


async def reach(database: Database, broadcast_id: int) -> int:
    """How many people a broadcast's audience matches now (see reach_in)."""
    async with database.transaction() as session:
        return await reach_in(session, broadcast_id)


async def reach_in(session: AsyncSession, broadcast_id: int) -> int:
    """How many people a broadcast's audience matches now: whom it would reach if it
    started now (once it has started, its recipients are what counts)."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise BroadcastError(N_("no broadcast {number}"), about="broadcast",
                             number=broadcast_id)
    counts = await audiences.counts(session, audiences.Audience.from_dict(broadcast.audience))
    return sum(counts.values())


async def tick(database: Database, settings: Settings, now: datetime) -> list[Started]:
    """Start what is due (the scheduler calls this every half minute)."""
    async with database.transaction() as session:
        due = await schedule.due(session, now)
    started = []
    for broadcast_id in due:
        try:
            started.append(await start(database, settings, permissions.SYSTEM, broadcast_id,
                                       now, at_its_time=True))
        except BroadcastError as error:
            log.warning("broadcast %s not started: %s", broadcast_id, error)
    return started


async def cancel(database: Database, actor: Actor, broadcast_id: int, now: datetime) -> int:
    """Cancel it; what was not yet sent is not sent. The number of messages cancelled."""
    async with database.transaction() as session:
        return await cancel_in(session, actor, broadcast_id, now)


async def cancel_in(session: AsyncSession, actor: Actor, broadcast_id: int, now: datetime
                    ) -> int:
    """``cancel`` in the caller's transaction (a dashboard page).

    A repeating broadcast goes out as copies of its own (schedule.occurrence): cancelling
    it (the id ``create`` gave) stops its repeats and what its copies have not yet sent,
    counted with its own; each copy stopped is cancelled too (one whose messages had all
    gone stays started). Cancelled already, it is refused, unless a copy still had
    something to stop (cancelled before copies were stopped with it)."""
    broadcast = await _get(session, broadcast_id)
    permissions.require(session, actor, Action.SEND_BROADCAST, None, now)
    already = broadcast.status == BroadcastStatus.CANCELLED
    count = 0 if already else await fanout.cancel_rows(session, broadcast.id)
    stopped = 0
    for copy in await session.scalars(
            select(Broadcast).where(Broadcast.parent_id == broadcast.id,
                                    Broadcast.status != BroadcastStatus.CANCELLED)
            .order_by(Broadcast.id).with_for_update()):
        unsent = await fanout.cancel_rows(session, copy.id)
        if unsent or copy.status != BroadcastStatus.STARTED:  # still going, or being written
            copy.status = BroadcastStatus.CANCELLED
            copy.cancelled_at = now
            stopped += 1
        count += unsent
    if already and not stopped:
        raise BroadcastError(N_("broadcast {number} was already cancelled"),
                             number=broadcast_id)
    if not already:
        broadcast.status = BroadcastStatus.CANCELLED
        broadcast.cancelled_at = now
    return count


async def _get(session: AsyncSession, broadcast_id: int) -> Broadcast:
    broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
    if broadcast is None:
        raise BroadcastError(N_("no broadcast {number}"), about="broadcast",
                             number=broadcast_id)
    return broadcast


@dataclass(frozen=True)
class Summary:
    id: int
    status: str
    at: datetime | None
    repeat: str | None
    urgent: bool
    late: bool
    languages: tuple[str, ...]
    audience: str
    first_line: str
    held_until: datetime | None = None  # held for quiet hours: it starts then
    source: int | None = None  # one time a repeating broadcast went out: that broadcast


async def listing(database: Database) -> list[Summary]:
    async with database.transaction() as session:
        return await listing_in(session)


async def listing_in(session: AsyncSession) -> list[Summary]:
    found = list(await session.scalars(select(Broadcast).order_by(Broadcast.id)))
    texts: dict[int, dict[str, str]] = {}
    for row in await session.scalars(select(BroadcastText).where(
            BroadcastText.fallback.is_(False))):
        texts.setdefault(row.broadcast_id, {})[row.language] = row.text
    # A repeating broadcast's copy keeps the time it was due (``at``); it is listed at the
    # time it went, which differs when it was sent by hand.
    return [Summary(b.id, b.status.value, b.started_at if b.parent_id and b.started_at
                    else b.at, b.repeat, b.urgent, b.late,
                    tuple(sorted(texts.get(b.id, {}))), describe(b.audience),
                    _first_line(texts.get(b.id, {})), schedule.held_until(b), b.parent_id)
            for b in found]


def describe(audience: Mapping[str, Any]) -> str:
    shown = audience.get("shown") or {}
    roles = audience.get("roles") or ["champion"]
    parts = [f"{kind}={','.join(values)}" for kind, values in shown.items() if kind != "roles"]
    who = "+".join(f"{role}s" for role in roles)
    return f"{who} " + " ".join(parts) if parts else f"all {who}"


def _first_line(texts: Mapping[str, str]) -> str:
    text = texts.get("en") or next(iter(texts.values()), "")
    line = text.splitlines()[0] if text else ""
    return line[:50] + ("…" if len(line) > 50 else "")


def to_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)
