"""Option lists that several flows share."""

from __future__ import annotations

from collections.abc import Sequence

from flows.answers import Choose, Option
from flows.i18n import N_
from flows.steps import Context

TOPICS: tuple[Option, ...] = (
    Option("vaccination", N_("Vaccination")),
    Option("screening", N_("Cancer screening")),
    Option("diabetes", N_("Diabetes")),
    Option("heart", N_("Heart health and blood pressure")),
    Option("mental_health", N_("Mental health")),
    Option("maternity", N_("Maternity and children")),
    Option("eating", N_("Healthy eating")),
    Option("exercise", N_("Physical activity")),
    Option("cost_of_living", N_("Cost of living")),
    Option("housing", N_("Housing")),
    Option("smoking_alcohol", N_("Smoking and alcohol")),
)

OTHER_TOPIC = Option("other", N_("Other"))


def area_options(ctx: Context) -> Sequence[Option]:
    shown = [Option(area.id, area.name, translate=False) for area in ctx.facts.areas]
    return [*shown, Option("elsewhere", N_("Somewhere else"))]


def my_area_first(ctx: Context) -> Sequence[Option]:
    """The person's own area first (the usual answer), then the others."""
    mine = ctx.facts.profile.area if ctx.facts.profile else None
    options = list(area_options(ctx))
    options.sort(key=lambda option: option.id != mine)
    return options


def no_areas(ctx: Context) -> bool:
    return not ctx.facts.areas


class ChooseArea(Choose):
    def __init__(self, mine_first: bool = False) -> None:
        super().__init__(my_area_first if mine_first else area_options)
