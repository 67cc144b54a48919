"""The champbot command, run as a person would run it."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services import outbox
from bot.storage.database import Database
from flows.languages import get as language
from flows.types import Reply
from tests.support.chat import t

ROOT = Path(__file__).resolve().parents[1]


def champbot(*args: str, stdin: str = "", environ: dict[str, str], cwd: Path,
             ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ}, cwd=cwd,
        timeout=60, check=False,
    )
    if ok:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def demo(environ: dict[str, str], tmp_path: Path) -> dict[str, str]:
    out = champbot("demo", environ=environ, cwd=tmp_path).stdout
    assert "JOIN DEMO2026" in out
    return environ


@pytest.mark.parametrize("code", ["ur", "pl", "ar"])
def test_piping_a_joining_conversation_into_the_simulator(
    demo: dict[str, str], tmp_path: Path, code: str
) -> None:
    conversation = "\n".join(
        ["JOIN DEMO2026", language(code).native_name, "1", "Amina", "2", "1, 3"]) + "\n"
    out = champbot("chat", "--as", "amina", stdin=conversation, environ=demo, cwd=tmp_path).stdout
    assert t(code, "Which area do you mostly work in?") in out
    menu = out.rsplit(t(code, "What would you like to do?"), 1)
    assert len(menu) == 2, out
    assert t(code, "Settings") in menu[1] and t(code, "Help") in menu[1]
    assert "1. " in menu[1]


def test_stopping_half_way_and_coming_back_keeps_the_answers(
    demo: dict[str, str], tmp_path: Path
) -> None:
    first = champbot("chat", "--as", "amina", stdin="JOIN DEMO2026\nPolski\nTak\n",
                     environ=demo, cwd=tmp_path).stdout
    assert t("pl", "What would you like us to call you? A first name or a nickname is fine.") \
        in first
    second = champbot("chat", "--as", "amina", stdin="Amina\n", environ=demo,
                      cwd=tmp_path).stdout
    assert t("pl", "Which area do you mostly work in?") in second
    assert "invite code" not in second


def test_bad_lines_in_the_simulator_are_answered_and_nothing_crashes(
    demo: dict[str, str], tmp_path: Path
) -> None:
    lines = ["JOIN DEMO2026", "English", "yes", "", "x" * 5000, "🎉🎉🎉", "Amina", "99"]
    result = champbot("chat", "--as", "amina", stdin="\n".join(lines) + "\n", environ=demo,
                      cwd=tmp_path)
    out = result.stdout
    assert "Please type your answer." in out
    assert "That is too long. Please keep it under 60 characters." in out
    assert "Please use letters, not only numbers, emoji or symbols." in out
    assert "Please send a number from 1 to 6." in out  # the area question's range
    assert "Traceback" not in out + result.stderr


def test_the_simulator_exits_cleanly_on_empty_input(demo: dict[str, str], tmp_path: Path) -> None:
    result = champbot("chat", "--as", "amina", stdin="", environ=demo, cwd=tmp_path)
    assert result.stdout == "" and result.stderr == ""


def test_the_simulator_answers_any_name_it_can_keep_and_refuses_one_too_long(
    demo: dict[str, str], tmp_path: Path
) -> None:
    result = champbot("chat", "--as", "n" * 65, stdin="hello\n", environ=demo, cwd=tmp_path,
                      ok=False)
    assert result.returncode == 2 and result.stdout == ""
    assert "the --as name is 65 characters long; the simulator takes at most 64" in result.stderr
    for blank in ("", "   "):
        result = champbot("chat", "--as", blank, stdin="hello\n", environ=demo, cwd=tmp_path,
                          ok=False)
        assert result.returncode == 2 and "give a name to chat as" in result.stderr
    hinted = champbot("chat", "--as", "zoe", "--language", "xx", stdin="hello\n",
                      environ=demo, cwd=tmp_path)
    assert "'xx' is not a language champbot speaks" in hinted.stderr
    assert "invite code" in hinted.stdout  # and the chat goes on, as a phone's would
    out = champbot("chat", "--as", "n" * 64, stdin="hello\n", environ=demo, cwd=tmp_path).stdout
    assert "invite code" in out
    # A name the inbound path writes differently (é as e and an accent) is answered too.
    out = champbot("chat", "--as", "Jose\u0301", stdin="hello\n", environ=demo,
                   cwd=tmp_path).stdout
    assert "invite code" in out


def test_the_simulator_stops_quietly_when_its_output_closes_and_keeps_what_was_not_shown(
    demo: dict[str, str], tmp_path: Path
) -> None:
    # As `champbot chat --as amina | head` does: the reader goes away after the first reply.
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--as", "amina"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **demo},
    ) as process:
        assert process.stdin and process.stdout and process.stderr
        process.stdin.write("JOIN DEMO2026\n")
        process.stdin.flush()
        for line in process.stdout:
            if line.startswith("10. "):  # the last language offered
                break
        process.stdout.close()
        with contextlib.suppress(BrokenPipeError):
            process.stdin.write("English\n1\n")
            process.stdin.close()
        assert process.wait(timeout=60) == 0
        assert process.stderr.read() == ""
    later = champbot("chat", "--as", "amina", environ=demo, cwd=tmp_path).stdout
    assert later.startswith("Before we start, here is how we look after your information.")


def test_invite_prints_a_code_a_telegram_link_and_a_whatsapp_text(
    environ: dict[str, str], tmp_path: Path
) -> None:
    out = champbot("invite", "--role", "coordinator", environ={
        **environ, "TELEGRAM_BOT_USERNAME": "riverside_champs_bot"}, cwd=tmp_path).stdout
    code = out.split()[1]
    assert f"https://t.me/riverside_champs_bot?start={code}" in out
    assert f"JOIN {code}" in out and "coordinator" in out


def test_an_invite_without_the_bot_username_says_how_to_get_a_link(
    environ: dict[str, str], tmp_path: Path
) -> None:
    out = champbot("invite", environ=environ, cwd=tmp_path).stdout
    code = out.split()[1]
    assert "<bot>" not in out and "t.me" not in out
    assert "set TELEGRAM_BOT_USERNAME to your bot's username" in out
    assert f"JOIN {code}" in out


def test_the_outbox_is_shown_under_column_headers_and_says_a_channel_is_not_configured(
    environ: dict[str, str], tmp_path: Path
) -> None:
    async def queue() -> None:
        database = Database(environ["DATABASE_URL"])
        try:
            async with database.transaction() as session:
                for channel in ("telegram", "whatsapp", "whatsapp", "email"):
                    outbox.enqueue(session, channel=channel, address="42", reply=Reply("Hi"),
                                   now=datetime.now(UTC))
        finally:
            await database.close()

    asyncio.run(queue())
    header, *rows = champbot("outbox", environ=environ, cwd=tmp_path).stdout.splitlines()
    assert header.split() == ["CHANNEL", "STATUS", "COUNT", "REASON"]
    assert [row.split(maxsplit=3) for row in rows] == [
        ["email", "pending", "1", "email is not configured (set SMTP_URL)"],
        ["telegram", "pending", "1", "telegram is not configured (set TELEGRAM_BOT_TOKEN)"],
        ["whatsapp", "pending", "2", "whatsapp is not configured (set TWILIO_ACCOUNT_SID, "
                                     "TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM)"]]
    configured = {**environ, "TELEGRAM_BOT_TOKEN": "123456:ABC"}
    rows = champbot("outbox", environ=configured, cwd=tmp_path).stdout.splitlines()[1:]
    assert rows[1].split() == ["telegram", "pending", "1"]  # waiting for `champbot run`


def test_the_impact_report_takes_any_dates_and_says_when_it_cannot_write_the_file(
    environ: dict[str, str], tmp_path: Path
) -> None:
    everything = champbot("report", "impact", "--from", "0001-01-01", "--to", "9999-12-31",
                          environ=environ, cwd=tmp_path)
    assert everything.stdout.startswith("From,0001-01-01,To,9999-12-31")
    nowhere = champbot("report", "impact", "--from", "2026-01-01", "--to", "2026-12-31",
                       "--output", str(tmp_path / "no such folder" / "x.csv"),
                       environ=environ, cwd=tmp_path, ok=False)
    assert nowhere.returncode == 2 and "Traceback" not in nowhere.stderr
    assert f"--output: there is no folder {tmp_path / 'no such folder'}" in nowhere.stderr
    folder = champbot("report", "impact", "--from", "2026-01-01", "--to", "2026-12-31",
                      "--output", str(tmp_path), environ=environ, cwd=tmp_path, ok=False)
    assert folder.returncode == 2 and "Traceback" not in folder.stderr
    assert f"could not write {tmp_path}: Is a directory" in folder.stderr


def test_areas_are_imported_from_a_spreadsheet(environ: dict[str, str], tmp_path: Path) -> None:
    sheet = tmp_path / "areas.csv"
    sheet.write_text("\ufeffName,Code\nSpinney Hills,spinney\nBelgrave,\n\n", encoding="utf-8")
    assert "2 area(s) added" in champbot("areas", "import", str(sheet), environ=environ,
                                         cwd=tmp_path).stdout
    sheet.write_text("name,code\nSpinney Hills & Highfields,spinney\n", encoding="utf-8")
    assert "1 renamed" in champbot("areas", "import", str(sheet), environ=environ,
                                   cwd=tmp_path).stdout
    listed = champbot("areas", "list", environ=environ, cwd=tmp_path).stdout
    assert "Spinney Hills & Highfields" in listed and "belgrave" in listed


def _areas(environ: dict[str, str], cwd: Path) -> dict[str, str]:
    """`champbot areas list` as {code: name}."""
    listed = champbot("areas", "list", environ=environ, cwd=cwd).stdout.splitlines()
    return dict(line.split(maxsplit=1) for line in listed)


def test_areas_named_in_any_script_each_get_a_code_of_their_own(
    environ: dict[str, str], tmp_path: Path
) -> None:
    arabic, bengali, emoji = tmp_path / "a7.csv", tmp_path / "a8.csv", tmp_path / "a9.csv"
    arabic.write_text("name\nالحي العربي\nحي الشمال\n", encoding="utf-8")
    bengali.write_text("name\nআমাদের এলাকা\n", encoding="utf-8")
    emoji.write_text("name\n😀 Area\nArea\nSão Paulo\nŁódź Bałuty\n", encoding="utf-8")
    for sheet, added in ((arabic, 2), (bengali, 1), (emoji, 4)):
        out = champbot("areas", "import", str(sheet), environ=environ, cwd=tmp_path).stdout
        assert f"{added} area(s) added, 0 renamed" in out
    areas = _areas(environ, tmp_path)
    assert sorted(areas.values()) == sorted(
        ["الحي العربي", "حي الشمال", "আমাদের এলাকা", "😀 Area", "Area", "São Paulo",
         "Łódź Bałuty"])
    assert areas["sao-paulo"] == "São Paulo" and areas["lodz-baluty"] == "Łódź Bałuty"
    assert all(code.isascii() and code.replace("-", "").isalnum() for code in areas)
    for sheet in (arabic, bengali, emoji):  # again: nothing added, nothing renamed
        out = champbot("areas", "import", str(sheet), environ=environ, cwd=tmp_path).stdout
        assert "0 area(s) added, 0 renamed" in out
    assert _areas(environ, tmp_path) == areas
    code = next(code for code, name in areas.items() if name == "حي الشمال")
    made = champbot("partners", "add", "Shamal Housing", "--category", "housing", "--area", code,
                    environ=environ, cwd=tmp_path).stdout
    assert "حي الشمال" in champbot("partners", "list", environ=environ, cwd=tmp_path).stdout, made


def test_an_area_twice_in_a_file_is_reported_by_line_and_nothing_is_imported(
    environ: dict[str, str], tmp_path: Path
) -> None:
    sheet = tmp_path / "areas.csv"
    sheet.write_text("name,code\nNorth,n\nSouth,n\nحي الشمال,\nEast,\n EAST ,\n",
                     encoding="utf-8")
    result = champbot("areas", "import", str(sheet), environ=environ, cwd=tmp_path, ok=False)
    assert result.returncode == 2
    assert "line 3: the code 'n' is already on line 2" in result.stderr
    assert "line 6: 'EAST' is already on line 5" in result.stderr
    assert "nothing was imported" in result.stderr
    assert _areas(environ, tmp_path) == {}
    sheet.write_text("name,code\nNorth,n\nSouth,s\n", encoding="utf-8")
    champbot("areas", "import", str(sheet), environ=environ, cwd=tmp_path)
    sheet.write_text("name,code\nSouth,n\n", encoding="utf-8")  # two areas called South
    result = champbot("areas", "import", str(sheet), environ=environ, cwd=tmp_path, ok=False)
    assert "line 2: another area (s) is already called 'South'" in result.stderr
    assert _areas(environ, tmp_path) == {"n": "North", "s": "South"}


def test_a_bad_area_file_is_explained(environ: dict[str, str], tmp_path: Path) -> None:
    sheet = tmp_path / "areas.csv"
    sheet.write_text("ward\nSomewhere\n", encoding="utf-8")
    result = champbot("areas", "import", str(sheet), environ=environ, cwd=tmp_path, ok=False)
    assert result.returncode == 2 and "'name' column" in result.stderr


def test_a_bad_setting_stops_the_command_with_one_line(
    environ: dict[str, str], tmp_path: Path
) -> None:
    result = champbot("chat", "--as", "amina", environ={**environ, "TELEGRAM_MODE": "carrier"},
                      cwd=tmp_path, ok=False)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "TELEGRAM_MODE" in result.stderr


def test_db_upgrade_reports_the_revision(environ: dict[str, str], tmp_path: Path) -> None:
    fresh = {**environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    assert "database is at revision" in champbot("db", "upgrade", environ=fresh,
                                                 cwd=tmp_path).stdout


def test_a_brand_new_sqlite_database_is_created_on_first_use(tmp_path: Path) -> None:
    out = champbot("chat", "--as", "amina", stdin="hello\n", environ={}, cwd=tmp_path).stdout
    assert "invite code" in out
    assert (tmp_path / "champbot.db").exists()


def test_health_messages_are_imported_from_spreadsheets(
    environ: dict[str, str], tmp_path: Path
) -> None:
    sheet = tmp_path / "extra.csv"
    sheet.write_text(
        "id,topic,language,title,body,source_name,source_url\n"
        "hand-washing,other_topic,en,Wash your hands,Use soap.,NHS,https://www.nhs.uk/\n",
        encoding="utf-8")
    result = champbot("messages", "import", str(sheet), environ=environ, cwd=tmp_path, ok=False)
    assert result.returncode == 2 and "unknown topic 'other_topic'" in result.stderr
    sheet.write_text(
        "id,topic,language,title,body,source_name,source_url\n"
        "hand-washing,eating,en,Wash your hands,Use soap and water for 20 seconds.,"
        "NHS: Hand washing,https://www.nhs.uk/live-well/healthy-body/best-way-to-wash-your-hands/\n"
        "hand-washing,eating,pl,Myj ręce,Używaj mydła i wody przez 20 sekund.,,\n",
        encoding="utf-8")
    out = champbot("messages", "import", str(sheet), environ=environ, cwd=tmp_path).stdout
    assert "1 new message(s), 2 text(s) written" in out
    starter = sorted((ROOT / "data" / "health-library").glob("*.csv"))
    out = champbot("messages", "import", *map(str, starter), environ=environ, cwd=tmp_path).stdout
    assert "14 new message(s), 140 text(s) written" in out


def test_the_starter_library_is_imported_from_any_folder(
    environ: dict[str, str], tmp_path: Path
) -> None:
    out = champbot("messages", "import", "--library", environ=environ, cwd=tmp_path).stdout
    assert "14 new message(s), 140 text(s) written" in out
    result = champbot("messages", "import", environ=environ, cwd=tmp_path, ok=False)
    assert result.returncode == 2 and "--library" in result.stderr


@pytest.mark.parametrize("command", [("db", "upgrade"), ("people", "list"), ("outbox",)])
def test_a_database_that_cannot_be_reached_is_one_line_without_its_password(
    environ: dict[str, str], tmp_path: Path, command: tuple[str, ...]
) -> None:
    nowhere = {**environ,
               "DATABASE_URL": "postgresql://champbot:s3cret-pw@127.0.0.1:1/champbot"}
    result = champbot(*command, environ=nowhere, cwd=tmp_path, ok=False)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "champbot: cannot open the database postgresql+asyncpg://champbot:***@127.0.0.1:1/"
        "champbot (DATABASE_URL): ")
    assert "s3cret-pw" not in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
