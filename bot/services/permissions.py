"""Who may do what: one table, asked alike by every service call, chat step, CLI command
and web page. A refusal is written to the audit log.

An *actor* is whoever asks (a person in chat or on a page, the operator at the CLI, the
system itself); a *scope* says whose record the action touches (its area, its partner
organisation, the person it belongs to). Each rule is a small function of the two.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, exists
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.storage.models import Partner, Person, Role, Status
from flows.conversation import FORMER_PARTNER


class Action(enum.StrEnum):
    MANAGE_PEOPLE = "manage_people"  # invite, approve, pause, forget someone
    VIEW_PEOPLE = "view_people"
    SEND_BROADCAST = "send_broadcast"  # create, start, cancel (scope: each audience area)
    VIEW_BROADCASTS = "view_broadcasts"  # list, reports, feedback counts
    MANAGE_PARTNERS = "manage_partners"  # add, edit, remove partner services; send digests
    VIEW_ESCALATION = "view_escalation"
    # A partner's own actions: acknowledge, in progress, resolve, not for us.
    ACT_ON_ESCALATION = "act_on_escalation"
    # A coordinator's: route or re-route, change any status, write to the champion.
    ROUTE_ESCALATION = "route_escalation"
    VIEW_DASHBOARD = "view_dashboard"  # sign in to the dashboard at all
    VIEW_OVERVIEW = "view_overview"  # the programme's overview page
    VIEW_CONCERNS = "view_concerns"  # the list of concerns (a partner: their organisation's)
    VIEW_IMPACT = "view_impact"  # the programme's totals, charts and exports
    VIEW_AUDIT = "view_audit"
    # See or hear a concern's photo or voice note (by a signed link, in chat, on a page).
    VIEW_MEDIA = "view_media"


@dataclass(frozen=True)
class Actor:
    """Who is asking. The CLI runs as the operator, who may do everything."""

    kind: str  # "person", "operator" (the CLI), "system"
    role: Role | None = None
    person_id: int | None = None
    partner_id: int | None = None
    # A coordinator's areas; empty means the whole programme.
    areas: frozenset[int] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        if self.person_id is not None:
            return f"person:{self.person_id}"
        # A partner known only by a signed link's organisation.
        return f"partner:{self.partner_id}" if self.partner_id is not None else self.kind


OPERATOR = Actor("operator")
SYSTEM = Actor("system")


@dataclass(frozen=True)
class Scope:
    """Whose record an action touches; None where it does not apply."""

    area_id: int | None = None
    partner_id: int | None = None
    person_id: int | None = None


def _trusted(actor: Actor) -> bool:
    return actor.kind in ("operator", "system")


def _coordinator_of(actor: Actor, scope: Scope) -> bool:
    if actor.role is not Role.COORDINATOR:
        return False
    return not actor.areas or scope.area_id is None or scope.area_id in actor.areas


def _partner_of(actor: Actor, scope: Scope) -> bool:
    return (actor.role is Role.PARTNER and actor.partner_id is not None
            and actor.partner_id == scope.partner_id)


def _partner(actor: Actor) -> bool:
    return actor.role is Role.PARTNER and actor.partner_id is not None


Rule = Callable[[Actor, Scope], bool]

RULES: dict[Action, Rule] = {
    Action.MANAGE_PEOPLE: lambda actor, scope: _trusted(actor) or _coordinator_of(actor, scope),
    Action.VIEW_PEOPLE: lambda actor, scope: _trusted(actor) or _coordinator_of(actor, scope),
    Action.SEND_BROADCAST: lambda actor, scope: _trusted(actor) or _coordinator_of(actor, scope),
    Action.VIEW_BROADCASTS: lambda actor, scope: _trusted(actor) or _coordinator_of(actor, scope),
    Action.MANAGE_PARTNERS: lambda actor, scope: _trusted(actor) or _coordinator_of(actor, scope),
    Action.VIEW_ESCALATION: lambda actor, scope: (
        _trusted(actor) or _coordinator_of(actor, scope) or _partner_of(actor, scope)),
    Action.ACT_ON_ESCALATION: lambda actor, scope: (
        _trusted(actor) or _coordinator_of(actor, scope) or _partner_of(actor, scope)),
    Action.ROUTE_ESCALATION: lambda actor, scope: _trusted(actor) or _coordinator_of(actor, scope),
    Action.VIEW_DASHBOARD: lambda actor, scope: (
        _trusted(actor) or _coordinator_of(actor, scope) or _partner(actor)),
    Action.VIEW_OVERVIEW: lambda actor, scope: _trusted(actor) or _coordinator_of(actor, scope),
    Action.VIEW_CONCERNS: lambda actor, scope: (
        _trusted(actor) or _coordinator_of(actor, scope) or _partner(actor)),
    Action.VIEW_IMPACT: lambda actor, scope: _trusted(actor) or _coordinator_of(actor, scope),
    Action.VIEW_AUDIT: lambda actor, scope: _trusted(actor) or _coordinator_of(actor, scope),
    Action.VIEW_MEDIA: lambda actor, scope: (
        _trusted(actor) or _coordinator_of(actor, scope) or _partner_of(actor, scope)),
}


def is_partner_service(partner: Partner | None) -> bool:
    """Whether an organisation is (still) a partner service: its contacts act for it
    (``acts_for``) and its invite codes join new contacts to it (invites.trouble)."""
    return partner is not None and partner.removed_at is None


def acts_for(person: Person, partner: Partner | None) -> int | None:
    """The partner organisation ``person`` acts for: a partner's contact acts for theirs
    (``partner``, as loaded) while it is a partner service. A removed partner's contacts
    keep their role and their history, and lose partner access: no escalations to see or
    act on, no dashboard, no broadcasts to partners, only the menu a former partner has."""
    if (person.role is not Role.PARTNER or partner is None
            or partner.id != person.partner_id or not is_partner_service(partner)):
        return None
    return partner.id


def partner_access() -> ColumnElement[bool]:
    """``acts_for`` in SQL, for a ``Person`` row that is a partner's contact."""
    return exists().where(Partner.id == Person.partner_id, Partner.removed_at.is_(None))


def actor_of(person: Person, partner: Partner | None = None,
             areas: frozenset[int] = frozenset()) -> Actor:
    """A person as an actor. Only active people act; anyone else is a bare visitor.
    ``partner``: a partner contact's organisation (see ``acts_for``); ``areas``: a
    coordinator's areas (none: the whole programme)."""
    if person.status is not Status.ACTIVE:
        return Actor("person", None, person.id)
    return Actor("person", person.role, person.id, partner_id=acts_for(person, partner),
                 areas=areas)


def chat_role(person: Person, partner: Partner | None = None) -> str:
    """The role whose menu ``person`` has in chat (flows.definitions.menu), which is also
    what their slash commands may open: their own; a partner's contact without partner
    access (``acts_for``) has a former partner's."""
    if person.role is Role.PARTNER and acts_for(person, partner) is None:
        return FORMER_PARTNER
    return person.role.value


class Forbidden(Exception):
    def __init__(self, actor: Actor, action: Action) -> None:
        super().__init__(f"{actor.label} may not {action.value}")
        self.actor = actor
        self.action = action


def allowed(actor: Actor, action: Action, scope: Scope | None = None) -> bool:
    return RULES[action](actor, scope or Scope())


def may_broadcast_to(actor: Actor, areas: Sequence[int]) -> bool:
    """SEND_BROADCAST for an audience: allowed for each of its areas. A coordinator given
    areas sends only there: an audience of every area (none named) is beyond them."""
    if actor.role is Role.COORDINATOR and actor.areas and not areas:
        return False
    return all(allowed(actor, Action.SEND_BROADCAST, Scope(area_id=area))
               for area in areas or (None,))


def require(session: AsyncSession, actor: Actor, action: Action, scope: Scope | None,
            now: datetime) -> None:
    """Raise Forbidden (after auditing the attempt) unless ``actor`` may do ``action``.

    The audit entry is in ``session``: a caller that catches Forbidden commits it.
    """
    scope = scope or Scope()
    if allowed(actor, action, scope):
        return
    refuse(session, actor, action, scope, now)
    raise Forbidden(actor, action)


def refuse(session: AsyncSession, actor: Actor, action: Action, scope: Scope,
           now: datetime) -> None:
    """Audit a refusal of ``action`` that the caller explains in its own words."""
    audit.record(session, actor.label, "refused", scope.person_id, now, attempted=action.value,
                 area_id=scope.area_id, partner_id=scope.partner_id)
