"""What champbot counts, in the Prometheus text format (served at /metrics).

Two kinds: counters and histograms this process keeps (turns, inbound, sends,
the scheduler's role), and gauges read from the database at each scrape (the
outbox by status and channel, the oldest pending row's age), so every process
shows the same picture. Labels are channels, statuses and results: never a
phone number, a name or a word anyone wrote.

Adding a database gauge is one decorated function::

    @metrics.measure("champbot_escalations", "Escalations by status.", ("status",))
    async def escalations(session: AsyncSession, now: datetime, settings: Settings
                          ) -> Readings:
        return [((status,), count) for status, count in await session.execute(...)]
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST

TURNS = Counter("champbot_turns", "Inbound messages handled, by channel and result.",
                ("channel", "result"))
TURN_SECONDS = Histogram("champbot_turn_duration_seconds",
                         "Time to handle one inbound message, by channel.", ("channel",),
                         buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
TURN_WRITES = Counter(
    "champbot_turn_writes", "PostgreSQL turns tried as one statement, by outcome (done, "
    "duplicate, or moved on: then run again in a transaction).", ("outcome",))
INBOUND = Counter("champbot_inbound", "Inbound messages received, by channel.", ("channel",))
SENDS = Counter("champbot_sends",
                "Send attempts by channel and result (sent, held, retried, 429, dead).",
                ("channel", "result"))
SCHEDULER = Gauge("champbot_scheduler_state",
                  "1 for this process's scheduler state (active, standby, or none: a role "
                  "that runs no scheduler), else 0.", ("state",))

Readings = Iterable[tuple[Sequence[str], float]]
Reader = Callable[[AsyncSession, datetime, Settings], Awaitable[Readings]]


@dataclass(frozen=True)
class Measure:
    """A gauge read from the database at each scrape."""

    name: str
    help: str
    labels: tuple[str, ...]
    read: Reader


MEASURES: list[Measure] = []


def measure(name: str, help: str, labels: tuple[str, ...] = ()) -> Callable[[Reader], Reader]:
    def register(read: Reader) -> Reader:
        MEASURES.append(Measure(name, help, labels, read))
        return read
    return register


DISPATCHERS = Gauge("champbot_dispatchers",
                    "Dispatcher processes sharing the platforms' rates, as this one last "
                    "counted them (each sends at most its share).")


def scheduler_state(active: bool | None) -> None:
    """Active, standby, or (None) no scheduler in this process's role."""
    SCHEDULER.labels("active").set(1 if active else 0)
    SCHEDULER.labels("standby").set(1 if active is False else 0)
    SCHEDULER.labels("none").set(1 if active is None else 0)


def send_result(channel: str, outcome: str) -> None:
    SENDS.labels(channel, outcome).inc()


@measure("champbot_outbox_rows", "Outbox rows by status and channel.", ("status", "channel"))
async def outbox_rows(session: AsyncSession, now: datetime, settings: Settings) -> Readings:
    counted = await session.execute(
        select(OutboxMessage.status, OutboxMessage.channel, func.count())
        .group_by(OutboxMessage.status, OutboxMessage.channel))
    return [((OutboxStatus(status).value, channel), count)
            for status, channel, count in counted.all()]


@measure("champbot_outbox_oldest_pending_seconds",
         "Age of the oldest outbox row waiting to be sent (0 when none).")
async def oldest_pending(session: AsyncSession, now: datetime, settings: Settings
                         ) -> Readings:
    oldest = await session.scalar(select(func.min(OutboxMessage.created_at)).where(
        OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])))
    return [((), max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)]


class _Snapshot(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


async def read_database(database: Database, now: datetime, settings: Settings
                        ) -> list[Metric]:
    """Every database gauge, and whether the database answered at all."""
    up = GaugeMetricFamily("champbot_database_up", "1 if the database answered this scrape.")
    families: list[Metric] = []
    try:
        async with database.transaction() as session:
            for item in MEASURES:
                family = GaugeMetricFamily(item.name, item.help, labels=list(item.labels))
                for labels, value in await item.read(session, now, settings):
                    family.add_metric(list(labels), float(value))
                families.append(family)
    except Exception as error:
        log.warning("metrics: database gauges unavailable (%s)", type(error).__name__)
        up.add_metric([], 0.0)
        return [up]
    up.add_metric([], 1.0)
    return [up, *families]


async def render(database: Database, now: datetime, settings: Settings) -> bytes:
    """This process's counters and the database gauges, in the Prometheus text format."""
    snapshot = CollectorRegistry(auto_describe=False)
    snapshot.register(_Snapshot(await read_database(database, now, settings)))
    return generate_latest(REGISTRY) + generate_latest(snapshot)
