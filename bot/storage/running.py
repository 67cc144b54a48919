"""Whether a `champbot run` is using a SQLite database: a lock file beside it.

SQLite serves one process. `champbot run` holds an exclusive lock on
``<database>.run.lock`` for its whole life (the operating system drops it when the
process ends, even when it is killed), so a second `run` on the same file, or a
`db restore` under a running bot (whose caches would then disagree with the
database), is refused with a reason instead. PostgreSQL needs none of this: several
processes share it by design.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url


class InUse(RuntimeError):
    """A `champbot run` holds the database."""


def lock_file(database_url: str) -> Path | None:
    """The lock file of a SQLite database file; None for PostgreSQL or in memory."""
    url = make_url(database_url)
    if not url.get_backend_name().startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    # The real file: a link or another spelling of its path must find the same lock.
    database = Path(url.database).expanduser().resolve()
    return database.with_name(database.name + ".run.lock")


@contextlib.contextmanager
def held(database_url: str, what: str) -> Iterator[None]:
    """Hold the database's run lock while the block runs, or raise InUse. ``what``: who
    asks, for the message ("champbot run")."""
    path = lock_file(database_url)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            database = path.with_name(path.name.removesuffix(".run.lock"))
            raise InUse(f"champbot: a champbot run is using {database}; stop it before "
                        f"{what}") from None
        yield
    finally:
        os.close(handle)
