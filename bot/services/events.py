"""What event handlers get: the transaction, the person, and ways to send within it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import outbox
from bot.settings import Settings
from bot.storage.models import Identity, Person
from flows.i18n import language
from flows.types import Reply


class Refused(Exception):
    """A handler can't apply an event (e.g. the invite was used up meanwhile).

    The turn's later replies are dropped, the person gets ``message`` and the
    conversation starts again.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class EventContext:
    session: AsyncSession
    settings: Settings
    now: datetime
    identity: Identity
    person: Person | None
    forgotten: bool = False  # the identity was deleted: say goodbye, then keep nothing

    async def say(self, reply: Reply) -> None:
        """``reply``, written at once (see outbox.write): the engine's replies."""
        await outbox.write(
            self.session, channel=self.identity.channel, address=self.identity.address,
            reply=reply, now=self.now,
            person_id=None if self.forgotten or self.person is None else self.person.id,
            forget_after_send=self.forgotten)

    def reply(self, reply: Reply, kind: str = "reply") -> None:
        outbox.enqueue(
            self.session,
            channel=self.identity.channel,
            address=self.identity.address,
            reply=reply,
            now=self.now,
            kind=kind,
            person_id=None if self.forgotten or self.person is None else self.person.id,
            forget_after_send=self.forgotten,
        )


def notify(
    ctx: EventContext, recipients: list[tuple[Person, Identity]], render: Callable[[], str],
    kind: str = "notice", about: Person | None = None,
) -> None:
    """Write one message to each recipient (from ``identities.of_people``: active and
    reachable), rendered in that recipient's language.

    ``about`` is the person whose details the message carries: it goes when they are erased.
    """
    for person, identity in recipients:
        with language(person.language):
            reply = Reply(render(), language=person.language)
        outbox.enqueue(ctx.session, channel=identity.channel, address=identity.address,
                       reply=reply, now=ctx.now, kind=kind, person_id=person.id,
                       about_person_id=about.id if about else None)
