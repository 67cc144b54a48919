"""champbot built as a wheel and installed into a new virtual environment, used from an empty
folder: nothing may come from the source checkout (migrations, catalogs, health library).

The wheel is built once per session without build isolation; installing it fetches the
dependencies from the pip cache or PyPI. CI builds it once for both of its runs and names
it in CHAMPBOT_TEST_INSTALL (see ``installed``). Deselect with ``-m "not install"``.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.storage.database import Database
from flows.languages import CODES
from tests.support.chat import t
from tests.support.processes import ROOT, free_port, serving

pytestmark = pytest.mark.install


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path

    def champbot(self, *args: str, cwd: Path, stdin: str = "",
                 environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.venv / "bin" / "champbot"), *args], input=stdin, capture_output=True,
            text=True, cwd=cwd, env={"PATH": "/usr/bin:/bin", **environ}, timeout=120,
            check=False)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        return result


def _run(*command: str, cwd: Path) -> None:
    environ = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(command, cwd=cwd, env={**environ, "PIP_DISABLE_PIP_VERSION_CHECK":
                                                   "1"}, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def build_and_install(where: Path) -> Installed:
    """The wheel built from a copy of the checkout (so nothing left in it, an old build/,
    can slip in) into ``where``/dist, and installed into a new venv, ``where``/venv."""
    source = where / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "*.db*",
        "*.mo"))
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(where / "dist"), str(source), cwd=where)
    venv = where / "venv"
    _run(sys.executable, "-m", "venv", str(venv), cwd=where)
    (wheel,) = (where / "dist").glob("champbot-*.whl")
    _run(str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile",
         str(wheel), cwd=where)
    return Installed(wheel, venv)


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Built here, or once by CI for both of its runs (SQLite and PostgreSQL): .ci/run
    builds the committed tree and names the folder in CHAMPBOT_TEST_INSTALL, laid out
    the same (dist/ with the wheel, venv/ with it installed)."""
    made = os.environ.get("CHAMPBOT_TEST_INSTALL")
    if made:
        (wheel,) = (Path(made) / "dist").glob("champbot-*.whl")
        venv = Path(made) / "venv"
        assert (venv / "bin" / "champbot").exists(), f"{made}: no venv/ with champbot in it"
        return Installed(wheel, venv)
    return build_and_install(tmp_path_factory.mktemp("install"))


@pytest.fixture
def empty(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An empty working folder and a new SQLite database in it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder, {"DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'champbot.db'}"}


def test_the_wheel_holds_the_migrations_catalogs_and_health_library(
    installed: Installed,
) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    assert {"bot/data/alembic/env.py", "bot/data/alembic/script.py.mako"} <= names
    assert any(n.startswith("bot/data/alembic/versions/0001_") for n in names)
    for code in CODES:
        assert f"bot/data/health-library/{code}.csv" in names
        if code != "en":
            assert f"flows/data/locales/{code}/LC_MESSAGES/messages.mo" in names
    assert not any(n.endswith(".po") for n in names)


def test_from_an_empty_folder_the_database_is_made_and_a_champion_joins(
    installed: Installed, empty: tuple[Path, dict[str, str]]
) -> None:
    folder, environ = empty
    upgraded = installed.champbot("db", "upgrade", cwd=folder, environ=environ).stdout
    assert f"database is at revision {Database.head()}" in upgraded
    demo = installed.champbot("demo", cwd=folder, environ=environ).stdout
    assert "JOIN DEMO2026" in demo
    added = re.search(r"(\d+) new health messages", demo)
    assert added and int(added[1]) > 0, demo  # the starter library, from inside the package
    conversation = "\n".join(["JOIN DEMO2026", "Polski", "1", "Amina", "2", "1, 3"]) + "\n"
    out = installed.champbot("chat", "--as", "amina", cwd=folder, environ=environ,
                             stdin=conversation).stdout
    assert "Welcome to Community Health Champions" in out
    assert t("pl", "Which area do you mostly work in?") in out
    assert t("pl", "What would you like to do?") in out
    assert all(p.name.startswith("champbot.db") for p in folder.iterdir())  # nothing else


def test_the_starter_library_is_imported_from_an_empty_folder(
    installed: Installed, empty: tuple[Path, dict[str, str]]
) -> None:
    # What the README tells a coordinator to run: the files are inside the package.
    folder, environ = empty
    out = installed.champbot("messages", "import", "--library", cwd=folder,
                             environ=environ).stdout
    assert "14 new message(s), 140 text(s) written" in out


async def test_champbot_run_starts_from_an_empty_folder(
    installed: Installed, empty: tuple[Path, dict[str, str]]
) -> None:
    folder, environ = empty
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        installed.venv / "bin" / "champbot", "run", cwd=folder,
        env={"PATH": "/usr/bin:/bin", **environ, "HTTP_PORT": str(port)},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        response = await serving(f"http://127.0.0.1:{port}", process, seconds=120)
        assert response.json() == {"status": "ok"}
    finally:
        process.terminate()
        err = (await asyncio.wait_for(process.communicate(), timeout=60))[1].decode()
    assert "Traceback" not in err
