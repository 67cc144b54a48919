"""What a signed link can do: one registered action per link purpose.

An action has two parts, both given the link and a database session:
``describe`` builds the confirmation page (it must change nothing: mail scanners
open links), ``perform`` does the thing when the person presses the button and
returns what to tell them. Both run in the viewer's language, so ``_()`` works.
Raise ``ActionRefused`` (or let ``permissions.Forbidden`` through) before changing
anything: the refusal page is shown, and what is already in the session (an audit
entry) is committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services.links import Link


@dataclass(frozen=True)
class Field:
    """A box on the confirmation form (a note, a reason), sent to ``perform`` by name."""

    name: str
    label: str  # translated
    required: bool = False
    max_length: int = 500


@dataclass(frozen=True)
class Shown:
    """The confirmation page: a heading, a few lines about the subject, the form."""

    title: str  # translated, like every string here
    button: str
    lines: Sequence[str] = ()
    fields: Sequence[Field] = ()


@dataclass
class ActionContext:
    session: AsyncSession
    link: Link
    app: App
    now: datetime
    form: Mapping[str, str] = field(default_factory=dict)  # empty on the confirmation page


class ActionRefused(Exception):
    """This link may not do this (another organisation's record, a closed case...)."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.message = message  # translated, shown on the page
        self.status = status


@dataclass(frozen=True)
class LinkAction:
    purpose: str
    describe: Callable[[ActionContext], Awaitable[Shown]]
    perform: Callable[[ActionContext], Awaitable[str]]  # the translated result


def registry(actions: Sequence[LinkAction]) -> dict[str, LinkAction]:
    found: dict[str, LinkAction] = {}
    for action in actions:
        if action.purpose in found:
            raise ValueError(f"two link actions for purpose {action.purpose!r}")
        found[action.purpose] = action
    return found
