"""Erasing someone's details when they ask (FORGET)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.answers import YesNo
from flows.conversation import Profile
from flows.i18n import N_
from flows.steps import END, Exit, Flow, Step


def _erased(_previous: Profile | None, _answers: Mapping[str, Any]) -> Profile | None:
    return None


FORGET = Flow(
    id="forget",
    steps=(
        Step("confirm",
             N_("Do you want us to erase your details? This deletes your name, your contact "
                "details and everything you wrote to us. The numbers from your activities stay "
                "in the programme's totals, without your name. This cannot be undone."),
             YesNo(N_("Yes, erase my details"), N_("No, keep them")),
             next={"yes": END,
                   "no": Exit(message=N_("OK, nothing has been erased."))}),
    ),
    completed="erasure_confirmed",
    profile=_erased,
    done=N_("Your details have been erased. Thank you for everything you did. If you want to "
            "come back one day, ask your coordinator for a new invite code."),
    then=Exit(forget=True),
)
