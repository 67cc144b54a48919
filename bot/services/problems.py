"""What a service says when it refuses a request, once for every interface.

A service raises a ``Problem`` (or an error class built on it) with a message marked for
translation (``N_``) with named placeholders, and the values that fill them. Each
interface says it its own way: a dashboard page in the viewer's language
(``problem.translated()`` inside ``flows.i18n.language``), the command line in English
(``str(problem)``) with its own help added after it, chosen by what the problem is
``about`` (an area: "see `champbot areas list`"). So a message names no command-line
option and no page, and no interface has to read another's wording.
"""

from __future__ import annotations

from typing import Self

from flows.i18n import number, translate


class Count(int):
    """A quantity in a problem's message: written as numbers are in the language it is
    said in (5,000), unlike an id or a reference (broadcast 1234)."""


class Problem(ValueError):
    """A request that cannot be done: ``message`` (a msgid, marked with N_) filled with
    ``values``; ``about`` names what it concerns ("area", "person", "texts"...) for an
    interface that can say where to look."""

    def __init__(self, message: str, /, *, about: str = "", **values: object) -> None:
        english = {k: f"{v:,}" if isinstance(v, Count) else v for k, v in values.items()}
        super().__init__(message.format(**english) if values else message)
        self.message = message
        self.values = values
        self.about = about

    def translated(self) -> str:
        """The message in the current language (``flows.i18n.language``)."""
        return translate(self.message, **{k: number(v) if isinstance(v, Count) else v
                                          for k, v in self.values.items()})

    @classmethod
    def like(cls, other: Problem) -> Self:
        """The same problem, raised as this class (a service passing on another's)."""
        return cls(other.message, about=other.about, **other.values)
