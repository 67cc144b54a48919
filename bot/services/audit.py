"""The audit log: what was done to a person's data, and by whom."""

from __future__ import annotations

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
