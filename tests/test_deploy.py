"""The systemd units in deploy/systemd: valid (systemd-analyze verify where it exists,
else a structural check), one per role, each running `champbot run --role` of its role."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.server import ROLES
from tests.support.processes import ROOT

UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def test_there_is_a_unit_for_every_separate_role() -> None:
    names = {unit.name for unit in UNITS}
    assert names == {f"champbot-{role}@.service" for role in ROLES if role != "all"}


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_each_unit_runs_its_role_restarts_and_reads_the_shared_settings(unit: Path) -> None:
    parsed = configparser.ConfigParser(strict=False, interpolation=None)
    parsed.optionxform = str  # type: ignore[assignment,method-assign]
    parsed.read(unit)
    assert set(parsed.sections()) == {"Unit", "Service", "Install"}
    service = parsed["Service"]
    role = unit.name.removeprefix("champbot-").removesuffix("@.service")
    assert service["ExecStart"].endswith(f"champbot run --role {role}")
    assert service["ExecStart"].startswith("/")
    assert service["Restart"] == "always"
    assert service["EnvironmentFile"] == "/etc/champbot/champbot.env"
    assert service["Environment"] == "HTTP_PORT=%i"  # each instance serves its own port
    assert parsed["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed here; the structural check ran")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    # Verify checks that ExecStart exists, so point it at this checkout's champbot.
    champbot = Path(sys.executable).with_name("champbot")
    for unit in UNITS:
        text = unit.read_text().replace("/opt/champbot/.venv/bin/champbot", str(champbot))
        (tmp_path / unit.name.replace("@.", "@8081.")).write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", "--man=no",
                           *map(str, sorted(tmp_path.glob("*.service")))],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_the_settings_example_names_only_real_settings() -> None:
    from bot.settings import Settings

    example = (ROOT / "deploy" / "systemd" / "champbot.env.example").read_text()
    names = [line.split("=", 1)[0].lower() for line in example.splitlines()
             if line and not line.startswith("#")]
    assert names and set(names) <= set(Settings.model_fields)
