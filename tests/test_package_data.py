"""In a checkout, the data the package reads is the top-level folders people edit: what
`./dev catalogs`, `alembic revision` or a new health-library row change is what runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services import library
from bot.storage import database
from flows import i18n, safety

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("resource", "folder"), [
    (database.MIGRATIONS, "alembic"),
    (library.STARTER, "data/health-library"),
    (i18n.LOCALES_DIR, "locales"),
    (safety.DATA, "flows/data/red_flags"),
])
def test_package_data_is_the_checkouts_own_folder(resource: object, folder: str) -> None:
    assert isinstance(resource, Path)
    assert resource.resolve() == (ROOT / folder).resolve()
