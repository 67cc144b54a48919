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

from flows.i18n import translate


class Problem(ValueError):
    """A request that cannot be done: ``message`` (a msgid, marked with N_) filled with
    ``values``; ``about`` names what it concerns ("area", "person", "texts"...) for an
    interface that can say where to look."""

    def __init__(self, message: str, /, *, about: str = "", **values: object) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message = message
        self.values = values
        self.about = about

    def translated(self) -> str:
        """The message in the current language (``flows.i18n.language``)."""
        return translate(self.message, **self.values)

    @classmethod
    def like(cls, other: Problem) -> Self:
        """The same problem, raised as this class (a service passing on another's)."""
        return cls(other.message, about=other.about, **other.values)
