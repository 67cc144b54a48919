"""`python -m benchmarks` runs end to end at tiny sizes and writes what it promises: the
machine, the settings, and for each figure the project's number, the naive baseline's and
their ratio. Speed itself is never asserted here (the benchmark measures it, as ratios)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.processes import ROOT

# The HTTP latency measure starts `champbot run` and an echo app: too slow for the suite
# at any size worth running, so the tiny run here leaves it out.
MEASURED = ("turns", "dispatcher", "fanout", "growth")


def run_benchmarks(*args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE_URL"}  # SQLite
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=240)


def test_a_smoke_run_writes_every_figure_beside_its_naive_baseline(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    done = run_benchmarks("--smoke", "--only", ",".join(MEASURED), "--json", str(results))
    assert done.returncode == 0, done.stderr
    assert f"results written to {results}" in done.stdout
    found = json.loads(results.read_text())
    machine = found["machine"]
    assert machine["cores"] >= 1 and machine["python"].count(".") == 2
    assert machine["sqlite"] and machine["database"] == "sqlite"
    assert machine["postgresql"] is None
    assert found["settings"]["mode"] == "smoke"
    assert found["settings"]["measures"] == sorted(MEASURED)
    figures = found["figures"]
    assert {f["measure"] for f in figures} == set(MEASURED)
    assert [f["name"] for f in figures if f["measure"] == "turns"] == [
        "1 person at once", "4 people at once"]
    for figure in figures:
        assert figure["project"] > 0, figure
        assert figure["unit"] and figure["better"] in ("higher", "lower")
        if figure["naive"] is not None:
            assert figure["naive"] > 0 and figure["ratio"] > 0, figure
            assert abs(figure["ratio"] - figure["project"] / figure["naive"]) < 1e-9
    with_baseline = [f for f in figures if f["naive"] is not None]
    assert len(with_baseline) == len(figures) - 1  # only the bulk-creation time has none
    for figure in figures:  # the same figures are printed as a table
        assert figure["name"] in done.stdout


def test_an_unknown_measure_is_named_and_nothing_runs(tmp_path: Path) -> None:
    done = run_benchmarks("--smoke", "--only", "turns,speed", "--json",
                          str(tmp_path / "results.json"))
    assert done.returncode == 2
    assert "unknown measure: speed" in done.stderr
    assert not (tmp_path / "results.json").exists()


async def test_the_local_platforms_refuse_what_is_over_their_cap_with_a_429() -> None:
    """The caps measure trusts these servers to count as the platforms do."""
    import httpx

    from benchmarks.channels import ACCOUNT_SID, TELEGRAM_TOKEN, Platforms

    platforms = Platforms(caps={"whatsapp": 3, "telegram": 2})
    transport = httpx.ASGITransport(app=platforms.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://local") as client:
        twilio = [await client.post(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
                                    data={"To": f"whatsapp:+4477000000{n}", "Body": "hi"})
                  for n in range(4)]
        telegram = [await client.post(f"/bot{TELEGRAM_TOKEN}/sendMessage",
                                      json={"chat_id": 700 + n, "text": "hi"})
                    for n in range(3)]
    assert [r.status_code for r in twilio] == [201, 201, 201, 429]
    assert [r.status_code for r in telegram] == [200, 200, 429]
    assert telegram[-1].json()["parameters"]["retry_after"] == 1
    assert (len(platforms.accepted["whatsapp"]), platforms.refused["whatsapp"]) == (3, 1)
    assert (len(platforms.accepted["telegram"]), platforms.refused["telegram"]) == (2, 1)
