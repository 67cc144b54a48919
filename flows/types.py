"""The values that cross the boundary between the engine and its host."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Longest inbound text the engine will look at; channels cut anything longer
# and set ``Inbound.truncated`` so the engine can say the message was too long.
MAX_INBOUND_TEXT = 4096
# Most photos and voice notes one answer keeps (as many as one WhatsApp message can carry).
MAX_KEPT_MEDIA = 10


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    label: str | None = None


@dataclass(frozen=True)
class Media:
    """An attachment kept by reference (a Telegram file_id or a Twilio media URL)."""

    kind: str  # "photo", "voice", "audio", "video", "document"
    ref: str
    content_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """As kept in a conversation, an event or the outbox."""
        return {"kind": self.kind, "ref": self.ref, "content_type": self.content_type}


@dataclass(frozen=True)
class Inbound:
    """One message from a person, whatever channel it came from."""

    channel: str
    address: str
    message_id: str
    received_at: datetime
    text: str | None = None
    choice_id: str | None = None
    # The question a pressed button belonged to ("flow.step"), so a press on an
    # old keyboard can be told apart from an answer to the current question.
    choice_question: str | None = None
    location: Location | None = None
    media: tuple[Media, ...] = ()
    language_hint: str | None = None
    truncated: bool = False


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    selected: bool = False


@dataclass(frozen=True)
class Reply:
    """One message to the person: text, and optionally choices to answer with."""

    text: str
    choices: tuple[Choice, ...] = ()
    multi: bool = False
    # Whether choices are answered by number on text channels; False where the
    # answer itself is a number or free text, so "1" is not mistaken for Skip.
    numbered: bool = True
    language: str = "en"
    # "flow.step" of the question this reply asks, if it asks one.
    question: str | None = None
    media: tuple[Media, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "choices": [
                {"id": c.id, "label": c.label, "selected": c.selected} for c in self.choices
            ],
            "multi": self.multi,
            "numbered": self.numbered,
            "language": self.language,
            "question": self.question,
            "media": [m.to_dict() for m in self.media],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reply:
        return cls(
            text=str(data["text"]),
            choices=tuple(
                Choice(str(c["id"]), str(c["label"]), bool(c.get("selected", False)))
                for c in data.get("choices", ())
            ),
            multi=bool(data.get("multi", False)),
            numbered=bool(data.get("numbered", True)),
            language=str(data.get("language", "en")),
            question=data.get("question"),
            media=tuple(
                Media(str(m["kind"]), str(m["ref"]), m.get("content_type"))
                for m in data.get("media", ())
            ),
        )


@dataclass(frozen=True)
class Event:
    """Something that happened in a conversation, named in the past tense."""

    name: str
    data: Mapping[str, Any] = field(default_factory=dict)


Output = Reply | Event
