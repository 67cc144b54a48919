"""Where fetched photos and voice notes are kept: one small interface, a local folder today.

Files are named by a random id, never by anything the sender chose, and written whole
(to a temporary name, then renamed) so a crash never leaves half a file under a real name.
An object store can take the folder's place behind the same four methods.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

_NAME = re.compile(r"^[0-9a-f]{32}$")


class MediaStore(Protocol):
    def put(self, data: bytes) -> str: ...
    def read(self, name: str) -> bytes: ...
    def delete(self, name: str) -> None: ...
    def names(self, older_than: float = 0.0) -> Iterator[str]: ...


class FolderStore:
    """A local folder (``MEDIA_DIR``), created on first use, readable only by us."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise ValueError("not a media file name")
        return self.root / name[:2] / name

    def put(self, data: bytes) -> str:
        name = secrets.token_hex(16)
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_suffix(".partial")
        with open(partial, "wb", opener=lambda p, flags: os.open(p, flags, 0o600)) as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        partial.replace(path)
        return name

    def read(self, name: str) -> bytes:
        return self._path(name).read_bytes()

    def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(name).unlink()

    def names(self, older_than: float = 0.0) -> Iterator[str]:
        """Every file's name; with ``older_than``, only files written that many seconds ago."""
        if not self.root.is_dir():
            return
        cutoff = time.time() - older_than
        for path in self.root.glob("*/*"):
            if _NAME.match(path.name) and (not older_than or path.stat().st_mtime <= cutoff):
                yield path.name


def folder(root: Path) -> FolderStore:
    return FolderStore(root)
