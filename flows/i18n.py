"""Translation and locale-aware formatting, with the locale chosen per message.

The current language lives in a ContextVar that the engine sets for each turn,
so two people's messages handled at once never see each other's language.
Catalogs are gettext files under ``locales/``, read as package data
(``flows/data/locales`` links to it; a built wheel holds only the ``.mo`` files,
compiled at build time): the compiled ``.mo`` when it is up to date, otherwise
the ``.po`` compiled in memory, so a fresh checkout serves every language with
no manual step, and a missing catalog is an error, never a silent fall back to
English.
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, tzinfo
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from babel.dates import format_date as _babel_format_date
from babel.dates import format_datetime as _babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from flows import languages

log = logging.getLogger(__name__)

LOCALES_DIR = files("flows") / "data" / "locales"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("champbot_language", default="en")


class MissingCatalog(RuntimeError):
    pass


def current_language() -> str:
    return _current.get()


@contextmanager
def language(code: str) -> Iterator[None]:
    token = _current.set(code if code in languages.BY_CODE else "en")
    try:
        yield
    finally:
        _current.reset(token)


def switch_language(code: str) -> None:
    """Change the language for the rest of the current context (a turn)."""
    _current.set(code if code in languages.BY_CODE else "en")


@cache
def catalog(code: str) -> gettext.NullTranslations:
    if code == "en":
        return gettext.NullTranslations()
    folder = LOCALES_DIR / code / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.is_file() and not _older(mo, po):
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if not po.is_file():
        raise MissingCatalog(f"no catalog for language {code!r} at {po}")
    with po.open("rb") as fp:
        parsed = read_po(fp, locale=languages.get(code).babel_locale)
    buffer = io.BytesIO()
    write_mo(buffer, parsed)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def _older(mo: Traversable, po: Traversable) -> bool:
    """A .mo compiled before its .po was last edited (only a checkout has both)."""
    if not po.is_file() or not isinstance(mo, Path) or not isinstance(po, Path):
        return False
    return mo.stat().st_mtime < po.stat().st_mtime


def _format(text: str, fallback: str, params: dict[str, object]) -> str:
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        log.error("translation of %r has bad placeholders in %s", fallback, current_language())
        return fallback.format(**params)


def _(message: str, /, **params: object) -> str:
    """Translate ``message`` into the current language and fill its named placeholders."""
    return _format(catalog(current_language()).gettext(message), message, params)


def N_(message: str, /) -> str:
    """Mark a literal for translation without translating it yet."""
    return message


def translate(message: str, **params: object) -> str:
    """Translate a message id held in a variable (one already marked with N_)."""
    return _format(catalog(current_language()).gettext(message), message, params)


def ngettext(singular: str, plural: str, n: int, /, **params: object) -> str:
    text = catalog(current_language()).ngettext(singular, plural, n)
    return _format(text, singular if n == 1 else plural, params)


def pgettext(context: str, message: str, /) -> str:
    return catalog(current_language()).pgettext(context, message)


def in_every_language(context: str, message: str) -> dict[str, str]:
    """The translation of one message in each supported language (English included)."""
    return {code: catalog(code).pgettext(context, message) for code in languages.CODES}


def _locale() -> str:
    return languages.get(current_language()).babel_locale


def number(value: int | float) -> str:
    return format_decimal(value, locale=_locale())


def day(value: date) -> str:
    return _babel_format_date(value, format="medium", locale=_locale())


def month(value: date) -> str:
    """A month and year, as people in the current language write it ("November 2026")."""
    return _babel_format_date(value, format="LLLL y", locale=_locale())


def moment(value: datetime, tz: tzinfo) -> str:
    return _babel_format_datetime(value.astimezone(tz), format="medium", locale=_locale())
