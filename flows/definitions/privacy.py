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
    done=N_("Your details have been erased: your name, your contact details and everything you "
            "wrote. We kept only numbers (how many activities and people reached, by topic and "
            "area) for the programme's reports, without your name. Thank you for everything you "
            "did. If you want to come back one day, ask your coordinator for a new invite code."),
    then=Exit(forget=True),
)


MY_DATA = Flow(
    id="mydata",
    steps=(
        Step("confirm",
             N_("Shall I send you everything we hold about you? It may be a long message."),
             YesNo(N_("Yes, send it"), N_("No")),
             next={"yes": END, "no": Exit(message=N_("OK, nothing was sent."))}),
    ),
    completed="data_requested",
)
