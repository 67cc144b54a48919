"""The links in a partner's emails: acknowledge, in progress, resolve with a note for the
champion, or "not for us" with a reason. Each link names one escalation and the partner
it was sent to; the page acts as that partner through ``escalations.act``, the one service
chat and the CLI use too, so the same rules (and audited refusals) apply."""

from __future__ import annotations

from bot.pages.actions import ActionContext, ActionRefused, Field, LinkAction, Shown
from bot.services import casenotes, escalations, partner_mail, permissions
from bot.services.permissions import Action, Actor, Scope
from bot.storage.models import OPEN, Concern, Escalation, Role
from flows.i18n import _, translate

NOTE = "note"


def _actor(ctx: ActionContext) -> Actor:
    return Actor("person", role=Role.PARTNER, partner_id=int(ctx.link.subject["partner"]))


async def _escalation(ctx: ActionContext) -> tuple[Escalation, Concern]:
    """The link's escalation, if this partner may see it (else Forbidden, audited)."""
    escalation = await ctx.session.get(Escalation, int(ctx.link.subject["escalation"]))
    concern = (await ctx.session.get(Concern, escalation.concern_id)
               if escalation is not None else None)
    permissions.require(ctx.session, _actor(ctx), Action.VIEW_ESCALATION, Scope(
        area_id=concern.area_id if concern else None,
        partner_id=escalation.partner_id if escalation else None,
        person_id=concern.person_id if concern else None), ctx.now)
    assert escalation is not None and concern is not None  # the rule needs a partner match
    return escalation, concern


def _fields(action: str, reference: str) -> list[Field]:
    if action == "done":
        return [Field(NOTE, _("Please write a short note for the champion."), required=True,
                      max_length=escalations.MAX_NOTE)]
    if action == "notus":
        return [Field(NOTE, _("{reference}: please say why it is not for your service. The "
                              "coordinators will read it.", reference=reference),
                      required=True, max_length=escalations.MAX_NOTE)]
    return []


def _action(action: str) -> LinkAction:
    label = partner_mail.ACTIONS[action]

    async def describe(ctx: ActionContext) -> Shown:
        escalation, concern = await _escalation(ctx)
        if escalation.status not in OPEN:
            raise ActionRefused(_("{reference} is no longer open with you.",
                                  reference=concern.reference), status=409)
        return Shown(title=f"{concern.reference}: {translate(label)}", button=translate(label),
                     # The page is how they answer: not "reply through champbot".
                     lines=(await casenotes.describe(ctx.session, concern, casenotes.ANONYMOUS)
                            ).splitlines(),
                     fields=_fields(action, concern.reference))

    async def perform(ctx: ActionContext) -> str:
        escalation, _concern = await _escalation(ctx)
        try:
            outcome = await escalations.act(
                ctx.session, _actor(ctx), escalation.id, action, ctx.form.get(NOTE), ctx.now,
                partner_id=_actor(ctx).partner_id, settings=ctx.app.settings)
        except escalations.ActionError as error:
            raise ActionRefused(error.message, status=409) from None
        return outcome.message

    return LinkAction(partner_mail.purpose(action), describe, perform)


ACTIONS = tuple(_action(action) for action in partner_mail.ACTIONS)
