"""`champbot partners|concerns|digests`, `invite --role partner` and `people edit`, run as a
coordinator would run them in a script."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.database import Database
from bot.storage.models import OutboxMessage, Partner
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
    assert "There is no category “dentists”." in refused
    assert "gp_access (Getting a GP appointment)" in refused
    refused = run("partners", "edit", "1", "--area", "Atlantis", ok=False)
    assert "There is no area “Atlantis”." in refused and "Northfield" in refused

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
    assert "Black mould in six flats" in run("concerns", "show", "1001")  # without its C
    assert "no concern C-9999 (references look like C-1001)" in run(
        "concerns", "show", "C-9999", ok=False)
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
    assert "There is no area “Mars”." in run("people", "edit", carol_id, "--area", "Mars",
                                             ok=False)


def test_a_partner_that_could_not_be_used_is_refused_with_a_reason(demo: dict[str, str],
                                                                   tmp_path: Path) -> None:
    def run(*args: str) -> str:
        return champbot(*args, environ=demo, cwd=tmp_path).stdout

    def refused(*args: str) -> str:
        result = champbot(*args, environ=demo, cwd=tmp_path, ok=False)
        assert result.returncode == 2 and result.stdout == "", result.stdout
        assert "Traceback" not in result.stderr
        return result.stderr

    too_long = "a" * 80 + "@example.org"
    assert f"The email address “{too_long}” is too long: an address can have at most 64 " \
        "characters." in refused("partners", "add", "Long email", "--category", "housing",
                                 "--email", too_long)
    assert "A partner needs a name." in refused("partners", "add", "   ", "--category",
                                                "housing")
    assert "A partner's name can have at most 120 characters; this one has 5,000." in refused(
        "partners", "add", "N" * 5000, "--category", "housing")
    assert "Working hours end after they start, on the same day: 18:00 to 09:00 does not." in \
        refused("partners", "add", "Night shelter", "--category", "housing", "--start",
                "18:00", "--end", "09:00")
    assert run("partners", "list").splitlines()[1:] == []  # none of them was added

    assert run("partners", "add", "Northfield Housing", "--category", "housing").strip() == "1"
    assert "nothing to change" in refused("partners", "edit", "1")
    assert "Working hours end after they start, on the same day: 09:00 to 08:00 does not." in \
        refused("partners", "edit", "1", "--end", "08:00")  # before the usual 09:00 start
    assert run("partners", "edit", "1", "--start", "08:00", "--end", "16:30").strip() == (
        "partner 1 changed")


def test_an_address_stored_before_it_was_checked_stops_no_concern_and_no_digest(
        demo: dict[str, str], tmp_path: Path) -> None:
    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return champbot(*args, stdin=stdin, environ=demo, cwd=tmp_path)

    run("partners", "add", "Northfield Housing", "--category", "housing", "--email",
        "damp@council.example")
    run("partners", "add", "Legal Advice", "--category", "housing", "--email",
        "help@legal.example")
    too_long = "a" * 80 + "@legal.example"

    async def store() -> None:  # as an older champbot, which did not check the length, did
        database = Database(demo["DATABASE_URL"])
        try:
            async with database.transaction() as session:
                partner = await session.get(Partner, 2)
                assert partner is not None
                partner.emails = [too_long, "help@legal.example"]
        finally:
            await database.close()

    async def emailed() -> list[tuple[str, str]]:
        database = Database(demo["DATABASE_URL"])
        try:
            async with database.transaction() as session:
                return [(row.address, row.kind) for row in await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.channel == "email")
                    .order_by(OutboxMessage.id))]
        finally:
            await database.close()

    asyncio.run(store())
    chat = run("chat", "--as", "amina", stdin="\n".join([
        "JOIN DEMO2026", "English", "1", "Amina", "Northfield", "skip",
        "/concern", "4", "Black mould in six flats on Elm Street.", "3", "1", "1", "1", "1",
    ]) + "\n")
    assert "C-1001" in chat.stdout and "Sorry, something went wrong" not in chat.stdout
    assert "Traceback" not in chat.stderr
    assert "partner 2: email address 1 skipped (longer than 64 characters)" in chat.stderr
    assert run("concerns", "show", "C-1001").stdout.count("Escalation") == 2

    digests = run("digests", "send")
    assert digests.stdout.splitlines() == ["2 Legal Advice: 0 new, 1 open, 1 pattern(s)",
                                           "1 Northfield Housing: 0 new, 1 open, 1 pattern(s)"]
    assert too_long not in digests.stderr  # the log names the partner, not the address
    assert asyncio.run(emailed()) == [  # the other addresses had the alert and the digest
        ("damp@council.example", "alert"), ("help@legal.example", "alert"),
        ("help@legal.example", "digest"), ("damp@council.example", "digest")]
