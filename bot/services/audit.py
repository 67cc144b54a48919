"""The audit log: what was done to a person's data, and by whom."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import AuditEntry
from flows.i18n import N_, translate

# Every action written to the log (a new one needs its label below: tests check both agree).
ActionName = Literal[
    "approved", "paused", "erased", "data_export", "refused", "signed_in", "signin_refused",
    "signin_link_made", "signin_email_refused", "signin_link_emailed", "link_refused",
    "opted_out", "opted_in"]

# What each action means, as the dashboard's audit log shows it in the viewer's language.
ACTIONS: dict[str, str] = {
    "approved": N_("Approved to start"),
    "paused": N_("Paused"),
    "erased": N_("Details erased"),
    "data_export": N_("Asked for their data"),
    "refused": N_("Refused: not allowed"),
    "signed_in": N_("Signed in to the dashboard"),
    "signin_refused": N_("Sign-in link refused"),
    "signin_link_made": N_("Sign-in link made"),
    "signin_email_refused": N_("Sign-in link by email refused"),
    "signin_link_emailed": N_("Sign-in link emailed"),
    "link_refused": N_("Link in an email refused"),
    "opted_out": N_("Unsubscribed from email"),
    "opted_in": N_("Email turned back on"),
}


def record(session: AsyncSession, actor: str, action: ActionName, person_id: int | None,
           now: datetime, **detail: Any) -> None:
    session.add(AuditEntry(actor=actor, action=action, person_id=person_id, detail=detail,
                           created_at=now))


def label(action: str) -> str:
    """``action`` as people read it, in the current language; one not known (written by an
    older version, say) as it was recorded."""
    known = ACTIONS.get(action)
    return translate(known) if known else action


# An entry's details, as the audit log shows them: what each key means, and the words
# for the values that are codes. A key or value not known here is shown as recorded.
KEYS: dict[str, str] = {
    "reason": N_("Why"),
    "attempted": N_("Tried"),
    "area_id": N_("Area"),
    "partner_id": N_("Partner service"),
    "partner": N_("Partner service"),
    "escalation": N_("Escalation"),
    "channel": N_("Channel"),
    "purpose": N_("Link for"),
    "token_start": N_("Link beginning"),
}
REASONS: dict[str, str] = {
    "expired": N_("the link had expired"),
    "forged": N_("the link was not genuine"),
    "invalid": N_("the link was incomplete"),
    "used": N_("the link had already been used"),
    "wrong_purpose": N_("the link was for another page"),
    "form": N_("the form had expired"),
    "refused": N_("not allowed"),
    "error": N_("a failure of ours"),
    "role": N_("their role does not allow it"),
    "gone": N_("the file is no longer kept"),
}
ATTEMPTS: dict[str, str] = {
    "manage_people": N_("managing people"),
    "view_people": N_("seeing people"),
    "send_broadcast": N_("sending a health message"),
    "view_broadcasts": N_("seeing health messages"),
    "manage_partners": N_("managing partner services"),
    "view_escalation": N_("seeing a concern"),
    "act_on_escalation": N_("acting on a concern"),
    "route_escalation": N_("routing a concern"),
    "view_dashboard": N_("the dashboard"),
    "view_overview": N_("the overview"),
    "view_concerns": N_("the list of concerns"),
    "view_impact": N_("the impact figures"),
    "view_audit": N_("the audit log"),
    "view_media": N_("a concern's photo or voice note"),
}
_WORDS: dict[str, dict[str, str]] = {"reason": REASONS, "attempted": ATTEMPTS,
                                     "channel": {"email": N_("email")}}


def describe(detail: Mapping[str, Any] | None, names: Mapping[str, Mapping[int, str]]
             ) -> str:
    """An entry's details in words, in the current language ("Why: the link had expired;
    Tried: a concern's photo or voice note"). ``names``: the names of the ids it names,
    by key (``area_id``, ``partner_id``); a value that is None says nothing."""
    parts = []
    for key, value in (detail or {}).items():
        if value is None:
            continue
        known = _WORDS.get(key, {}).get(str(value))
        shown = (translate(known) if known
                 else names.get(key, {}).get(value, str(value)) if isinstance(value, int)
                 else str(value))
        parts.append(f"{translate(KEYS[key]) if key in KEYS else key}: {shown}")
    return "; ".join(parts)
