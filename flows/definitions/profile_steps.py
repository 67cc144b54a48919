"""The questions about the person, asked when joining and again from Settings."""

from __future__ import annotations

from flows.answers import ChooseMany, Text
from flows.definitions.options import TOPICS, ChooseArea, no_areas
from flows.i18n import N_
from flows.steps import Step

NAME = Step("name", N_("What would you like us to call you? A first name or a nickname is fine."),
            Text(max_length=60, letters=True), optional=True)
AREA = Step("area", N_("Which area do you mostly work in?"), ChooseArea(), skip_if=no_areas)
INTERESTS = Step("topics", N_("Which health topics interest you? Send the numbers separated by "
                              "commas, for example 1, 3."), ChooseMany(TOPICS), optional=True)
