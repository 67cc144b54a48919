"""`champbot partners|concerns|digests`, `invite --role partner` and `people edit`, run as a
coordinator would run them in a script."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.demo import load_demo
from tests.test_cli import champbot


@pytest.fixture
def demo(environ: dict[str, str], tmp_path: Path) -> dict[str, str]:
    load_demo(environ)
    return environ


def test_partners_are_added_listed_edited_and_removed(demo: dict[str, str],
                                                      tmp_path: Path) -> None:
    def run(*args: str, ok: bool = True) -> str:
        result = champbot(*args, environ=demo, cwd=tmp_path, ok=ok)
        return result.stdout if ok else result.stderr

    added = run("partners", "add", "Northfield Housing", "--category", "HOUSING AND DAMP",
                "--area", "northfield", "--email", "damp@council.example", "--digest-time",
                "07:30", "--language", "pl")
    assert added.strip() == "1"
    listed = run("partners", "list")
    assert "Northfield Housing" in listed and "housing / Northfield / damp@council.example" \
        in listed and "07:30" in listed

    refused = run("partners", "add", "Clinic", "--category", "dentists", ok=False)
    assert "unknown category 'dentists'" in refused and "gp_access (Getting a GP appointment)" \
        in refused
    refused = run("partners", "edit", "1", "--area", "Atlantis", ok=False)
    assert "unknown area 'Atlantis'" in refused and "Northfield" in refused

    assert "changed" in run("partners", "edit", "1", "--area", "all", "--category", "housing",
                            "--category", "cost_of_living")
    assert "cost_of_living, housing / all" in run("partners", "list")

    invite = run("invite", "--role", "partner", "--partner", "1")
    assert "(partner, 1 use(s)" in invite
    assert "--partner" in run("invite", "--role", "partner", ok=False)
    assert "no partner with id 9" in run("invite", "--role", "partner", "--partner", "9",
                                         ok=False)

    assert "removed; its history is kept" in run("partners", "remove", "1")
    assert "Northfield Housing" not in run("partners", "list")


def test_concerns_and_digests_from_the_command_line(demo: dict[str, str],
                                                    tmp_path: Path) -> None:
    def run(*args: str, stdin: str = "", ok: bool = True) -> str:
        result = champbot(*args, stdin=stdin, environ=demo, cwd=tmp_path, ok=ok)
        return result.stdout if ok else result.stderr

    run("partners", "add", "Northfield Housing", "--category", "housing", "--area",
        "Northfield")
    run("chat", "--as", "amina", stdin="\n".join([
        "JOIN DEMO2026", "English", "1", "Amina", "Northfield", "skip",
        "/concern", "4", "Black mould in six flats on Elm Street.", "3", "1", "2", "1", "1",
    ]) + "\n")
    listed = run("concerns", "--open")
    assert "C-1001" in listed and "Northfield Housing: new" in listed
    assert "C-1001" not in run("concerns", "--overdue")
    assert "C-1001" not in run("concerns", "--area", "Eastgate")
    shown = run("concerns", "show", "C-1001")
    assert "Black mould in six flats" in shown and "Escalation 1 to Northfield Housing: new" \
        in shown
    assert "no concern C-9999" in run("concerns", "show", "C-9999", ok=False)
    assert run("digests", "send", "--partner", "1").strip() == (
        "1 Northfield Housing: 1 new, 0 open, 1 pattern(s)")
    assert run("digests", "send").strip() == "1 Northfield Housing: 0 new, 1 open, 1 pattern(s)"

    coordinator = run("chat", "--as", "carol", stdin="JOIN COORD2026\nEnglish\n1\nCarol\n1\n"
                                                      "skip\n")
    assert "Concerns needing routing" in coordinator
    people = run("people", "list")
    carol_id = next(line.split()[0] for line in people.splitlines() if "Carol" in line)
    assert "areas" in run("people", "edit", carol_id, "--area", "Northfield", "--area",
                          "eastgate")
    assert "unknown area" in run("people", "edit", carol_id, "--area", "Mars", ok=False)
