"""Joining: invite code, language, consent, name, area and topics, then the menu."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flows.answers import ChooseLanguage, YesNo
from flows.commands import first_word
from flows.conversation import Profile
from flows.definitions.options import no_areas
from flows.definitions.profile_steps import AREA, INTERESTS, NAME
from flows.i18n import N_, _
from flows.invites import extract_code
from flows.languages import get as language_named
from flows.steps import END, Answer, Context, Exit, Flow, Invalid, Parsed, Result, Step
from flows.types import Inbound

# Change this whenever the consent text below changes in meaning: each
# person's consent is recorded with the version they agreed to.
CONSENT_VERSION = "2026-12"


class InviteCode(Answer):
    numbered = False

    def parse(self, inbound: Inbound, ctx: Context) -> Result:
        code = extract_code(inbound.text)
        if code is None:
            return Invalid(
                _("That doesn't look like an invite code. It is a mix of letters and numbers, "
                  "like K7M4Q9TX.")
            )
        invite = ctx.facts.invite
        if invite is None or invite.code != code or invite.role is None:
            problem = invite.problem if invite and invite.code == code else "unknown"
            if problem == "expired":
                return Invalid(_("That invite code has expired. Please ask your coordinator "
                                 "for a new one."))
            if problem == "used_up":
                return Invalid(_("That invite code has already been used. Please ask your "
                                 "coordinator for a new one."))
            if problem == "withdrawn":
                return Invalid(_("That invite code has been withdrawn and can't be used any "
                                 "more. Please ask your coordinator for a new one."))
            return Invalid(_("Sorry, I don't recognise that code. Please check it with your "
                             "coordinator and send it again."))
        return Parsed({"code": code, "role": invite.role})


def _intro(ctx: Context) -> str:
    return _(
        "Hello! Welcome to {programme}.\n"
        "I help community health champions record their work, pass on their community's "
        "concerns and share health information.",
        programme=ctx.facts.programme_name,
    )


def _language_prompt(ctx: Context) -> str:
    text = _("Which language would you like to use?")
    if ctx.suggested_language:
        native = language_named(ctx.suggested_language).native_name
        text += "\n" + _("(Reply OK to keep {language}.)", language=native)
    return text


def _consent(ctx: Context) -> str:
    return _(
        "Before we start, here is how we look after your information.\n\n"
        "What we keep: the name you give us (if any), your language, your area, and what you "
        "tell us about your activities and your community's concerns.\n"
        "Who sees it: your programme's coordinators. A partner service sees a concern only "
        "when it is for them, and sees your contact details only if you say yes.\n"
        "If you ask us to erase your details, a service that already received your concern "
        "by email keeps its copy: that is beyond our reach.\n"
        "We never sell it or use it for advertising.\n\n"
        "Send {stop} at any time to pause all messages, or {forget} to have your details "
        "erased.\n\nDo you agree?",
        stop=first_word("stop"), forget=first_word("forget"),
    )


def _welcome(ctx: Context) -> str:
    profile = ctx.facts.profile
    name = ctx.answers.get("name")
    if profile and profile.status == "pending":
        return _("Thank you for registering. A coordinator will confirm your place soon, "
                 "and we will message you then.")
    if name:
        text = _("Welcome, {name}! You are now part of {programme}.",
                 name=name, programme=ctx.facts.programme_name)
    else:
        text = _("Welcome! You are now part of {programme}.", programme=ctx.facts.programme_name)
    return text + "\n" + _("Send {menu} at any time to come back to the main menu.",
                           menu=first_word("menu"))


def _joined(_previous: Profile | None, answers: Mapping[str, Any]) -> Profile:
    invite = answers.get("code") or {}
    return Profile(
        person_id=0,
        role=str(invite.get("role") or "champion"),
        status="active" if invite else "pending",
        language=str(answers.get("language") or "en"),
        name=answers.get("name"),
        area=answers.get("area"),
        topics=tuple(answers.get("topics") or ()),
    )


def _partner(ctx: Context) -> bool:
    """A partner service's contact joins short: no area, no topics."""
    code = ctx.answers.get("code") or {}
    return isinstance(code, dict) and code.get("role") == "partner"


def _no_area_asked(ctx: Context) -> bool:
    return _partner(ctx) or no_areas(ctx)


def _open_registration(ctx: Context) -> bool:
    return ctx.facts.open_registration


JOINING = Flow(
    id="joining",
    intro=_intro,
    steps=(
        Step("code", N_("To join, please send the invite code your coordinator gave you."),
             InviteCode(), skip_if=_open_registration,
             help=N_("Your coordinator gives you an invite code when they invite you. "
                     "If you don't have one, please ask them.")),
        Step("language", _language_prompt, ChooseLanguage()),
        Step("consent", _consent, YesNo(N_("Yes, I agree"), N_("No")), stamp=True,
             next={"yes": "name",
                   "no": Exit("consent_declined",
                              N_("That's fine. We have not kept anything about you. If you "
                                 "change your mind, send your invite code again."),
                              forget=True)}),
        NAME,
        replace(AREA, skip_if=_no_area_asked),
        replace(INTERESTS, next=END, skip_if=_partner),
    ),
    completed="person_joined",
    profile=_joined,
    done=_welcome,
    then=None,
)
