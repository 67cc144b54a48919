"""Rendering a page: the viewer's language (and direction), the template, safe headers."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from flows import languages

# Pages reached by a secret link: never cached, never framed, and the link never
# leaks to another site in a Referer header.
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


@cache
def environment() -> Environment:
    return Environment(loader=PackageLoader("bot", "templates"),
                       autoescape=select_autoescape(default=True), auto_reload=False)


def chosen_language(request: Request, preferred: str | None, default: str) -> str:
    """``?lang=`` first, then the language the link was made for, then the browser's."""
    asked = request.query_params.get("lang")
    if asked in languages.BY_CODE:
        return str(asked)
    if preferred in languages.BY_CODE:
        return str(preferred)
    for code in _accepted(request.headers.get("accept-language", "")):
        if code in languages.BY_CODE:
            return code
    return default


def _accepted(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag:
            weighted.append((-weight, index, tag.split("-")[0].lower()))
    return [code for _, _, code in sorted(weighted)]


def page(template: str, language: str, status: int = 200,
         **context: Any) -> HTMLResponse:
    """``template`` filled with ``context`` (strings already translated into ``language``)."""
    lang = languages.get(language)
    html = environment().get_template(template).render(
        lang=lang.code, dir="rtl" if lang.rtl else "ltr", **context)
    return HTMLResponse(html, status_code=status, headers=dict(HEADERS))


def form_values(form: Mapping[str, Any]) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}
