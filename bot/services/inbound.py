"""The one path every message takes, whatever channel it came from.

Clean its text (cleaning.py) → record it once (dedupe) → take the person's lock →
(an opted-out number is heard only for an emergency or START, with a daily reminder;
what was held for this person is released, or refused on STOP) → run the engine →
apply its events and write its replies to the outbox (and to a coordinator paused or
unreachable until now, the alerts that waited for one: alerts.back), all in one
transaction → wake the dispatcher. A duplicate changes nothing and sends nothing; a
failure of ours rolls everything back and the person gets an apology instead of silence.

On PostgreSQL a turn that only moves the person's own conversation on and replies is
written by one statement instead, which first checks that everything the turn started
from is still so (``_in_one_statement``, bot.storage.turn_commit); anything else, or a
failed check, takes the transaction above.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot import metrics
from bot.app import App
from bot.locks import lock_key
from bot.services import (
    alerts,
    cleaning,
    conversations,
    feedback,
    handlers,
    identities,
    inbox,
    optouts,
    outbox,
    people,
    views,
)
from bot.services.events import EventContext, Refused
from bot.storage import turn_commit
from bot.storage.database import is_busy, is_disconnect
from bot.storage.models import Identity, Person, Status
from bot.storage.turn_commit import Written
from flows import engine, languages
from flows.commands import first_word
from flows.conversation import Conversation, Facts
from flows.i18n import _, language
from flows.types import Inbound, Reply

log = logging.getLogger(__name__)
STAMP_EVERY = timedelta(minutes=1)  # see _wrote


class Handled(enum.Enum):
    DONE = "done"
    DUPLICATE = "duplicate"
    FAILED = "failed"


async def handle(app: App, inbound: Inbound) -> Handled:
    metrics.INBOUND.labels(inbound.channel).inc()
    started = time.perf_counter()
    inbound = cleaning.inbound(inbound)  # once, here, for every channel
    try:
        result = await _handle_with_retries(app, inbound)
    except Exception:
        log.exception("failed to handle %s message %s", inbound.channel, inbound.message_id)
        await apologise(app, inbound)
        result = Handled.FAILED
    metrics.TURN_SECONDS.labels(inbound.channel).observe(time.perf_counter() - started)
    metrics.TURNS.labels(inbound.channel, result.value).inc()
    app.outbox_ready.set()
    return result


async def _handle_with_retries(app: App, inbound: Inbound, attempts: int = 3) -> Handled:
    # A turn is one transaction around a pure engine, so running it again is safe (if a
    # dropped connection hid a commit that happened, the message is a duplicate then).
    dropped = False
    for attempt in range(1, attempts + 1):
        try:
            return await _handle(app, inbound)
        except Exception as error:
            if is_disconnect(error) and not dropped:
                # The pool has let the dead connection go; the transaction died with it.
                dropped = True
                log.warning("database connection dropped for %s message %s; trying again",
                            inbound.channel, inbound.message_id)
                continue
            if not is_busy(error) or attempt == attempts:
                raise
            log.warning("database busy on attempt %s for %s message %s; trying again",
                        attempt, inbound.channel, inbound.message_id)
            await asyncio.sleep(0.1 * attempt)
    raise AssertionError("unreachable")


async def _handle(app: App, inbound: Inbound) -> Handled:
    now = app.clock()
    async with app.locks.hold(inbound.channel, inbound.address):
        if app.database.autocommit is not None:
            written = await _in_one_statement(app, app.database.autocommit, inbound, now)
            if written is not None:
                return written
            app.arrivals.forget(inbound.channel, inbound.address)
        return await _in_transaction(app, inbound, now)


# Views a one-statement turn may read (they read the person's id alone); a turn that
# asks for another runs as a transaction.
QUICK_VIEWS = frozenset({"impact", "concerns", "library"})


async def _in_one_statement(app: App, engine: AsyncEngine, inbound: Inbound, now: datetime
                            ) -> Handled | None:
    """PostgreSQL: a turn that only moves its own conversation on and replies, started
    from what their last such turn left (or read in one statement outside a
    transaction) and written in one statement that first checks all of it is still so
    (bot.storage.turn_commit). None when the turn needs more (someone new, something
    held, an opt-out, someone unreachable until now, an answer to a broadcast, an event,
    another view), when anything it started from changed meanwhile, or on an error: then
    the ordinary transaction runs it from the start."""
    try:
        arrived = (app.arrivals.get(inbound.channel, inbound.address, now)
                   or await conversations.quick_arrival(engine, inbound.channel,
                                                         inbound.address))
        identity, person, state = arrived.identity, arrived.person, arrived.conversation
        if (identity is None or person is None or person.status != Status.ACTIVE
                or arrived.seen is None or arrived.held
                or identity.opted_out_at is not None or identity.unreachable_at is not None
                or optouts.intent(inbound) is not None
                or feedback.pressed(inbound)):
            return None
        async with AsyncSession(engine) as session:  # for views: reads, in autocommit
            turn = await _run_turn(app, session, inbound, person, state, now,
                                   paused=False, allowed=QUICK_VIEWS)
        if turn is None or len(turn.replies) != len(turn.output):  # events, views
            return None
        saving = turn.conversation.to_dict()
        saving_text = json.dumps(saving)
        written = await turn_commit.commit(
            engine, channel=inbound.channel, address=inbound.address,
            message_id=inbound.message_id, identity_id=identity.id, person_id=person.id,
            seen_at=arrived.seen.at, seen_state=arrived.seen.state,
            seen_person=arrived.seen.person, state=saving_text,
            replies=[reply.to_dict() for reply in turn.replies], now=now,
            stamp_every=STAMP_EVERY, lock_key=lock_key(inbound.channel, inbound.address),
            # "1" or "2" just after a broadcast answers it: the transaction path takes it.
            may_answer_broadcast=feedback.typed(inbound))
    except Exception:
        log.warning("a %s turn could not be written in one statement; running it as a "
                    "transaction", inbound.channel, exc_info=True)
        return None
    metrics.TURN_WRITES.labels(written.value).inc()
    if written is Written.DONE:
        app.arrivals.keep(inbound.channel, inbound.address, arrived, saving, saving_text, now)
        return Handled.DONE
    if written is Written.DUPLICATE:
        log.info("duplicate %s message %s ignored", inbound.channel, inbound.message_id)
        return Handled.DUPLICATE
    return None


async def _in_transaction(app: App, inbound: Inbound, now: datetime) -> Handled:
    async with app.database.transaction(short=True) as session:
        # On PostgreSQL the same statement takes the person's lock across processes.
        if not await inbox.record_once(session, inbound, now, lock=True):
            log.info("duplicate %s message %s ignored", inbound.channel, inbound.message_id)
            return Handled.DUPLICATE
        arrived = await conversations.arrival(session, inbound.channel, inbound.address)
        identity, person, state = arrived.identity, arrived.person, arrived.conversation
        if identity is None:
            identity = await identities.find_or_create(
                session, inbound.channel, inbound.address, now)
        # Paused or unreachable until now: a coordinator back is given what waited (below).
        away = (identity.unreachable_at is not None or identity.opted_out_at is not None
                or (person is not None and person.status == Status.PAUSED))
        _wrote(identity, now)
        paused = await optouts.admit(session, identity, inbound)
        waited = arrived.held or arrived.identity is None
        if waited and optouts.intent(inbound) == "stop":
            # STOP stops every message but its confirmation, what waited for them too.
            await outbox.refuse_held(session, inbound.channel, inbound.address)
            waited = False
        busy = (state.flow not in (None, "menu")
                and not state.idle(now, app.settings.conversation_timeout))
        thanks = await feedback.answered(session, identity, person, inbound, now,
                                         carrying_on=busy)
        if thanks is not None and person is not None and not busy:
            # "Useful / Not clear" under a broadcast: counted, thanked, the conversation kept.
            outbox.enqueue(session, channel=inbound.channel, address=inbound.address,
                           reply=Reply(thanks, language=person.language), now=now,
                           person_id=person.id)
            if waited:
                await outbox.release_held(session, inbound.channel, inbound.address, now)
            return Handled.DONE
        # In the middle of something: thanked, then asked their question again.
        turn = await _run_turn(app, session, inbound, person, state, now, paused, again=thanks)
        assert turn is not None  # any view may be loaded here
        ctx = EventContext(session, app.settings, now, identity, person)
        conversation = await _apply(app, ctx, inbound, turn)
        if away:
            await alerts.back(ctx)
        if not ctx.forgotten:
            await conversations.save(session, identity, conversation, now)
        await optouts.remember(session, inbound, now)
        if waited:
            # Whatever waited for this person to write (e.g. outside WhatsApp's 24
            # hours) goes now, after the answer to this message (outbox.release_held).
            await outbox.release_held(session, inbound.channel, inbound.address, now)
    return Handled.DONE


def _wrote(identity: Identity, now: datetime) -> None:
    """They wrote to us: we can reach them again, and WhatsApp's 24 hours start again.
    Within a minute of the last time it was written, the time is not written again (a
    conversation is a burst of turns): the window is then thought to end up to a minute
    early, never late, so nothing goes as a free-form message once it is closed."""
    last = identity.last_inbound_at  # (a one-statement turn decides the same in SQL)
    if last is None or now - last >= STAMP_EVERY or now < last:
        identity.last_inbound_at = now
    if identity.unreachable_at is not None:
        identity.unreachable_at = None


async def _run_turn(app: App, session: AsyncSession, inbound: Inbound, person: Person | None,
                    state: Conversation, now: datetime, paused: bool,
                    allowed: frozenset[str] | None = None, again: str | None = None
                    ) -> engine.Turn | None:
    """The engine's turn, with the views it asks for loaded. ``allowed``: the views it
    may load (None: any); a turn that asks for another gives None. ``again``: not an
    answer; say this and ask the current question again."""
    facts = replace(await conversations.facts_for(session, app.settings, inbound, person, now),
                    paused=paused)

    def run(facts: Facts) -> engine.Turn:
        if again is not None:
            return engine.ask_again(state, now, again, facts)
        return engine.resume(state, inbound, now, facts)

    turn = run(facts)
    loaded: dict[str, object] = {}
    while turn.needs and not turn.needs <= loaded.keys():
        # The engine asked for a view (e.g. "my concerns"): load it, run the turn again.
        if allowed is not None and not turn.needs <= allowed:
            return None
        for name in turn.needs - loaded.keys():
            loaded[name] = await views.load(session, name, person, app.settings, now)
        turn = run(replace(facts, views=loaded))
    return turn


async def _apply(app: App, ctx: EventContext, inbound: Inbound, turn: engine.Turn
                 ) -> Conversation:
    """Write the replies and apply the events, in order; the conversation to keep."""
    # Events are applied in the language of the replies around them, so
    # whatever a handler says to this person is in their language.
    spoken = _first_language(ctx.person, inbound, turn.conversation, app)
    try:
        for item in turn.output:
            if isinstance(item, Reply):
                spoken = item.language
                await ctx.say(item)
            else:
                with language(spoken):
                    await handlers.apply(ctx, item)
    except Refused as refusal:
        ctx.reply(Reply(refusal.message, language=spoken))
        return Conversation(language=turn.conversation.language)
    return turn.conversation


def _first_language(
    person: Person | None, inbound: Inbound, conversation: Conversation, app: App
) -> str:
    if person is not None and person.status != Status.ERASED:
        return person.language
    return (conversation.language or languages.from_tag(inbound.language_hint)
            or app.settings.default_language)


def _sorry() -> str:
    return _("Sorry, something went wrong on our side. What you told us before is safe. "
             "Please try again in a moment, or send {menu}.", menu=first_word("menu"))


async def apologise(app: App, inbound: Inbound) -> None:
    """Tell the person a failure of ours happened (the failure itself is logged by the caller)."""
    try:
        async with app.database.transaction(short=True) as session:
            await _say(app, session, inbound, _sorry, to_strangers=True)
    except Exception:
        log.exception("could not even apologise on %s", inbound.channel)
    app.outbox_ready.set()


async def notify(app: App, inbound: Inbound, say: Callable[[], str]) -> Handled:
    """A short word back to a message that is not an answer (an edited message, say):
    recorded once like any message, in the person's language, the conversation untouched.
    Nothing is said to someone we don't know or who has paused messages."""
    inbound = cleaning.inbound(inbound)
    async with app.database.transaction(short=True) as session:
        if not await inbox.record_once(session, inbound, app.clock()):
            return Handled.DUPLICATE
        await _say(app, session, inbound, say, to_strangers=False)
    app.outbox_ready.set()
    return Handled.DONE


async def _say(
    app: App, session: AsyncSession, inbound: Inbound, say: Callable[[], str], *,
    to_strangers: bool,
) -> None:
    identity = await identities.find(session, inbound.channel, inbound.address)
    if identity is None and not to_strangers:
        return
    person = await people.get(session, identity.person_id if identity else None)
    quiet = (person is not None and person.status != Status.ACTIVE) or (
        identity is not None and identity.opted_out_at is not None)
    if quiet and not to_strangers:
        return  # paused or gone: only their own words (START) get an answer
    state = await conversations.load(session, identity) if identity else Conversation()
    code = _first_language(person, inbound, state, app)
    with language(code):
        text = say()
    outbox.enqueue(session, channel=inbound.channel, address=inbound.address,
                   reply=replace(Reply(text), language=code), now=app.clock(),
                   person_id=person.id if person else None)
