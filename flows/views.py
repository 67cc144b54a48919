"""Read-only views the host loads only when a flow asks for them (see ``Context.view``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


class NeedView(Exception):
    """Raised inside a turn when a view is needed; the host loads it and runs the turn again."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class ConcernStep:
    status: str
    at: datetime
    note: str | None = None
    by: str | None = None  # who took the step: champion, coordinator, partner, system


@dataclass(frozen=True)
class ConcernView:
    reference: str
    category: str
    status: str
    raised_at: datetime
    history: tuple[ConcernStep, ...] = ()


@dataclass(frozen=True)
class Totals:
    activities: int = 0
    people: int = 0
    minutes: int = 0


@dataclass(frozen=True)
class ImpactView:
    month: Totals = field(default_factory=Totals)
    year: Totals = field(default_factory=Totals)
    total: Totals = field(default_factory=Totals)
    by_topic: tuple[tuple[str, int, int], ...] = ()  # topic, activities, people
    milestones: tuple[str, ...] = ()  # ids, most recent last


@dataclass(frozen=True)
class LibraryItem:
    slug: str
    topic: str
    source_name: str
    source_url: str
    titles: Mapping[str, str] = field(default_factory=dict)  # language -> title
    bodies: Mapping[str, str] = field(default_factory=dict)

    def title(self, language: str) -> str:
        return self.titles.get(language) or self.titles.get("en") or self.slug

    def body(self, language: str) -> str:
        return self.bodies.get(language) or self.bodies.get("en") or ""


@dataclass(frozen=True)
class AudienceCount:
    """How many active, reachable champions an area has per language and channel."""

    area: str | None  # an area id as in Facts.areas; None for people with no area
    language: str
    channel: str
    count: int


@dataclass(frozen=True)
class BroadcastReportView:
    """The latest broadcast's counts: per language, report column → number."""

    broadcast_id: int
    recipients: int
    late: bool
    by_language: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    feedback: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


def target(reference: str, escalation: int | None) -> str:
    """What a case word acts on: "C-1042", or "C-1042/7" for one of its escalations."""
    return reference if escalation is None else f"{reference}/{escalation}"


@dataclass(frozen=True)
class CaseView:
    """An escalation as a partner or coordinator sees it in chat."""

    reference: str
    status: str  # an escalation status
    category: str
    area: str | None
    urgency: str
    affects: str | None
    words: str | None
    contact: str | None  # "name, channel address" when the champion agreed
    raised_at: datetime
    partner: str | None = None  # None: waiting for a coordinator to route it
    # False: kept from a danger message, so the champion was never asked about contact
    asked: bool = True
    escalation: int | None = None  # its id: a concern with several services has several
    forgotten: bool = False  # the champion asked to be erased: nobody to write to

    @property
    def line(self) -> str:
        """What a list's choice and its actions name: the reference, and the escalation
        (so the line chosen is the one acted on, "C-1042/7")."""
        return target(self.reference, self.escalation)


@dataclass(frozen=True)
class PartnerChoice:
    id: str
    name: str
