"""Progress on long commands: a bar on a terminal, plain lines when piped.

Use it around any loop whose length is known (imports, exports), or one that
follows a count kept elsewhere (``broadcast report --follow``)::

    with progress("importing people", total=len(rows)) as bar:
        for row in rows:
            ...
            bar.advance()

    with progress("sending broadcast 12", total=None) as bar:
        while ...:
            bar.update(sent, total=audience)

Progress goes to stderr, so what a command prints on stdout stays clean for scripts.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

LINES = 10  # plain lines printed over a whole run when piped (plus the last one)


class Bar:
    def __init__(self, label: str, total: int | None, stream: TextIO, terminal: bool) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.stream = stream
        self._said: int | None = None  # the count last printed as a line
        self._bucket = 0
        self._rich: Progress | None = None
        self._task = None
        if terminal:
            self._rich = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=Console(file=stream, force_terminal=True),
                transient=False)
            self._task = self._rich.add_task(label, total=total)

    def advance(self, count: int = 1) -> None:
        self.update(self.done + count)

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        if self._rich is not None and self._task is not None:
            self._rich.update(self._task, completed=done, total=self.total)
            return
        step = max((self.total or 0) // LINES, 1)
        following = self._said is None and self.done == 0  # a count followed: where it starts
        if following or self.done // step > self._bucket or self.done == self.total:
            self._bucket = self.done // step
            self._line()

    def _line(self) -> None:
        if self._said == self.done:
            return
        self._said = self.done
        of = f"/{self.total}" if self.total is not None else ""
        self.stream.write(f"{self.label}: {self.done}{of}\n")
        self.stream.flush()

    def start(self) -> None:
        if self._rich is not None:
            self._rich.start()

    def finish(self) -> None:
        if self._rich is not None:
            self._rich.stop()
        else:
            self._line()


@contextlib.contextmanager
def progress(label: str, total: int | None, stream: TextIO | None = None,
             terminal: bool | None = None) -> Iterator[Bar]:
    out = stream or sys.stderr
    bar = Bar(label, total, out, out.isatty() if terminal is None else terminal)
    bar.start()
    try:
        yield bar
    finally:
        bar.finish()
