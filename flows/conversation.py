"""What the engine knows about a conversation: its saved state and a snapshot of the world."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

# The role of a partner's contact whose organisation is no longer a partner service: the
# host says so (bot.services.permissions); they keep the words everyone has, no more.
FORMER_PARTNER = "former_partner"


@dataclass(frozen=True)
class Profile:
    """The person behind a conversation, as the host last stored them."""

    person_id: int
    role: str  # champion, coordinator, partner, or FORMER_PARTNER
    status: str  # active, pending, paused, opted_out
    language: str
    name: str | None = None
    area: str | None = None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Area:
    id: str
    name: str


@dataclass(frozen=True)
class InviteCheck:
    """The host's answer about an invite code found in the inbound message."""

    code: str
    role: str | None = None  # set when the code can be used
    problem: str | None = None  # "unknown", "withdrawn", "expired", "used_up"
    made_for: str | None = None  # the role it is for, whenever it is one of ours


@dataclass(frozen=True)
class Emergency:
    """The deployment's emergency numbers (UK defaults)."""

    emergency: str = "999"
    urgent: str = "111"
    mental_health_option: str = "2"
    crisis_name: str = "Samaritans"
    crisis_number: str = "116 123"
    text_word: str = "SHOUT"
    text_number: str = "85258"
    abuse_name: str = "National Domestic Abuse Helpline"  # free, 24 hours (England)
    abuse_number: str = "0808 2000 247"


@dataclass(frozen=True)
class Facts:
    """A read-only snapshot of what the host knows, taken before each turn."""

    profile: Profile | None = None
    areas: tuple[Area, ...] = ()
    invite: InviteCheck | None = None
    open_registration: bool = False
    programme_name: str = "champbot"
    default_language: str = "en"
    idle_timeout: timedelta = timedelta(hours=24)
    timezone: tzinfo = UTC
    emergency: Emergency = field(default_factory=Emergency)
    concern_response_days: int = 5
    # The number has opted out (STOP): only emergencies and START are answered; HELP and
    # MENU always get a short reminder of START, anything else at most once a day.
    paused: bool = False
    # Loaded only when a flow asks (Context.view): "concerns", "impact", "library".
    views: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Saved:
    """A flow set aside part-way, to come back to."""

    flow: str
    step: str
    answers: Mapping[str, Any]
    trail: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "step": self.step,
            "answers": dict(self.answers),
            "trail": list(self.trail),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Saved:
        return cls(
            flow=str(data["flow"]),
            step=str(data["step"]),
            answers=dict(data.get("answers", {})),
            trail=tuple(data.get("trail", ())),
        )


@dataclass(frozen=True)
class Conversation:
    """The saved state of one chat: where it is and what has been answered."""

    flow: str | None = None
    step: str | None = None
    answers: Mapping[str, Any] = field(default_factory=dict)
    trail: tuple[str, ...] = ()  # steps answered, most recent last, for "back"
    reviewing: str | None = None  # the summary step to go back to after changing an answer
    selection: tuple[str, ...] = ()  # a multi-choice answer being built
    detour: Saved | None = None  # the flow to resume after a detour (e.g. language)
    drafts: Mapping[str, Saved] = field(default_factory=dict)  # set aside by "menu"
    language: str | None = None  # for someone who has not joined yet
    reminded_on: str | None = None  # the day (ISO) a paused person was last told about START
    updated_at: datetime | None = None

    def idle(self, now: datetime, timeout: timedelta) -> bool:
        return self.updated_at is not None and now - self.updated_at > timeout

    def cleared(self) -> Conversation:
        return replace(
            self,
            flow=None,
            step=None,
            answers={},
            trail=(),
            reviewing=None,
            selection=(),
            detour=None,
            drafts={},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "step": self.step,
            "answers": dict(self.answers),
            "trail": list(self.trail),
            "reviewing": self.reviewing,
            "selection": list(self.selection),
            "detour": self.detour.to_dict() if self.detour else None,
            "drafts": {k: v.to_dict() for k, v in self.drafts.items()},
            "language": self.language,
            "reminded_on": self.reminded_on,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], updated_at: datetime | None) -> Conversation:
        detour = data.get("detour")
        return cls(
            flow=data.get("flow"),
            step=data.get("step"),
            answers=dict(data.get("answers", {})),
            trail=tuple(data.get("trail", ())),
            reviewing=data.get("reviewing"),
            selection=tuple(data.get("selection", ())),
            detour=Saved.from_dict(detour) if detour else None,
            drafts={k: Saved.from_dict(v) for k, v in data.get("drafts", {}).items()},
            language=data.get("language"),
            reminded_on=data.get("reminded_on"),
            updated_at=updated_at,
        )
