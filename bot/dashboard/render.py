"""Templates: Jinja2 with the bot's catalogs, the viewer's locale and direction."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

from bot.services.impact_export import label
from flows import i18n, languages
from flows.i18n import N_

STATUS = {"active": N_("Active"), "pending": N_("Waiting for approval"),
          "paused": N_("Paused"), "opted_out": N_("Left"), "erased": N_("Erased")}
LANGUAGE_NAMES = {language.code: language.native_name for language in languages.LANGUAGES}


def _when(value: datetime | date | None, zone: str = "Europe/London",
          time: bool = True) -> str:
    """A date, or a time in the programme's zone, as the viewer's language writes it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if not time:
            return i18n.day(value.astimezone(ZoneInfo(zone)).date())
        return i18n.moment(value, ZoneInfo(zone))
    return i18n.day(value)


def _number(value: int | float | None) -> str:
    return i18n.number(value or 0)


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("bot.dashboard", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.globals |= {"_": i18n._, "translate": i18n.translate, "ngettext": i18n.ngettext,
                    "STATUS": STATUS, "LANGUAGE_NAMES": LANGUAGE_NAMES, "label": label}
    env.filters |= {"number": _number, "when": _when}
    return env


def render(template: str, code: str, http_status: int = 200, **values: Any) -> HTMLResponse:
    """``template`` in language ``code`` (right to left where it is written so)."""
    with i18n.language(code):
        known = languages.BY_CODE.get(code, languages.BY_CODE["en"])
        html = environment().get_template(template).render(
            lang=known.code, dir="rtl" if known.rtl else "ltr", **values)
    return HTMLResponse(html, status_code=http_status)
