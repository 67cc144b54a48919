"""`champbot broadcast`, `people import` and `messages feedback`, run as a person would."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.services import schedule
from bot.storage.database import Database
from bot.storage.models import Identity, Person
from tests.support.demo import load_demo
from tests.test_cli import champbot

HEADER = "name,channel,address,language,area,topics,consent_version,consented_on\n"


@pytest.fixture
def programme(environ: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The demo programme and four champions imported from a spreadsheet."""
    load_demo(environ)
    (tmp_path / "people.csv").write_text(
        HEADER
        + "Amina,telegram,4001,en,Northfield,diabetes;heart,v1,2026-10-14\n"
        + "Rukhsana,telegram,4002,ur,Northfield,,v1,2026-10-14\n"
        + "Tahmina,whatsapp,+44 7700 900301,bn,Northfield,vaccination,v1,2026-10-14\n"
        + "Ola,whatsapp,+48601234567,pl,Eastgate,,v1,2026-10-14\n",
        encoding="utf-8")
    out = champbot("people", "import", "people.csv", environ=environ, cwd=tmp_path).stdout
    assert "4 added, 0 updated, 0 bad row(s)" in out
    return {**environ, "BROADCAST_QUIET_HOURS": "off"}


def test_bad_rows_are_reported_by_line_and_the_rest_imported_and_a_rerun_updates(
    programme: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "more.csv").write_text(
        HEADER
        + "Amina B,telegram,4001,en,Northfield,,v1,2026-10-14\n"  # already there: updated
        + "Sam,signal,123,en,Northfield,,v1,2026-10-14\n"
        + "Jo,whatsapp,not a number,en,Northfield,,v1,2026-10-14\n"
        + "Ana,telegram,4005,xx,Northfield,,v1,2026-10-14\n"
        + "Bea,telegram,4006,pt,Nowhere,,v1,2026-10-14\n"
        + "Cy,telegram,4007,pt,Northfield,,v1,14/10/2026\n"
        + "Dee,telegram,4008,ro,Northfield,knitting,v1,2026-10-14\n"
        + "Eve,telegram,4009,ro,Hillcrest,,v1,2026-10-14\n",
        encoding="utf-8")
    result = champbot("people", "import", "more.csv", environ=programme, cwd=tmp_path, ok=False)
    assert result.returncode == 1
    assert "1 added, 1 updated, 6 bad row(s)" in result.stdout
    for line, problem in ((3, "channel must be one of: telegram, whatsapp"),
                          (4, "the address is not a phone number"), (5, "unknown language 'xx'"),
                          (6, "unknown area 'Nowhere'"), (7, "consented_on must be a date"),
                          (8, "unknown topic 'knitting'")):
        assert f"line {line}: {problem}" in result.stderr
    listing = champbot("people", "list", environ=programme, cwd=tmp_path).stdout
    assert "Amina B" in listing and "Eve" in listing
    assert "Sam" not in listing and "Dee" not in listing
    assert listing.count("Amina") == 1


def test_codes_in_any_case_a_whatsapp_prefix_and_a_consent_date_yet_to_come(
    programme: dict[str, str], tmp_path: Path
) -> None:
    later = date.today() + timedelta(days=400)
    (tmp_path / "more.csv").write_text(
        HEADER
        + "Farah,whatsapp,whatsapp:+447700900022,EN,NORTHFIELD,Diabetes; HEART,v1,2026-10-14\n"
        + f"Gul,telegram,4010,ur,Northfield,,v1,{later}\n",
        encoding="utf-8")
    result = champbot("people", "import", "more.csv", environ=programme, cwd=tmp_path, ok=False)
    assert result.returncode == 1
    assert "1 added, 0 updated, 1 bad row(s)" in result.stdout
    assert f"line 3: consented_on {later} is in the future" in result.stderr
    listing = champbot("people", "list", environ=programme, cwd=tmp_path).stdout
    assert "Gul" not in listing
    farah = next(line for line in listing.splitlines() if line.endswith("Farah"))
    assert farah.split()[3:6] == ["en", "Northfield", "whatsapp"]

    async def kept() -> tuple[list[str], str | None]:
        database = Database(programme["DATABASE_URL"])
        try:
            async with database.transaction() as session:
                person = await session.scalar(select(Person).where(Person.display_name == "Farah"))
                assert person is not None
                address = await session.scalar(select(Identity.address).where(
                    Identity.person_id == person.id))
                return person.topics, address
        finally:
            await database.close()

    assert asyncio.run(kept()) == (["diabetes", "heart"], "+447700900022")


def test_create_send_report_and_feedback(programme: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "flu.yaml").write_text(
        "texts:\n"
        "  en: Free flu jabs at Northfield Library on Saturday.\n"
        "  ur: ہفتہ کو نارتھ فیلڈ لائبریری میں فلو کے مفت ٹیکے۔\n"
        "audience:\n"
        "  areas: [Northfield]\n", encoding="utf-8")
    made = champbot("broadcast", "create", "flu.yaml", environ=programme, cwd=tmp_path)
    broadcast = made.stdout.strip()
    assert broadcast.isdigit()
    listing = champbot("broadcast", "list", environ=programme, cwd=tmp_path).stdout
    assert "draft" in listing and "en,ur" in listing and "areas=Northfield" in listing

    sent = champbot("broadcast", "send", broadcast, environ=programme, cwd=tmp_path).stdout
    assert "3 recipient(s) queued" in sent
    again = champbot("broadcast", "send", broadcast, environ=programme, cwd=tmp_path, ok=False)
    assert again.returncode == 2 and f"broadcast {broadcast} has already started" in again.stderr

    table = champbot("broadcast", "report", broadcast, environ=programme, cwd=tmp_path).stdout
    assert "3 recipient(s)" in table and "telegram" in table and "whatsapp" in table
    headings = next(line for line in table.splitlines() if line.startswith("language"))
    assert headings.split() == ["language", "queued", "sent", "delivered", "read", "failed",
                                "template", "unknown", "cancelled"]  # none cut short
    data = json.loads(champbot("broadcast", "report", broadcast, "--json", environ=programme,
                               cwd=tmp_path).stdout)
    assert data["totals"]["queued"] == 3
    assert set(data["by_language"]) == {"en", "ur", "bn"}
    assert data["by_channel"]["whatsapp"]["queued"] == 1

    cancelled = champbot("broadcast", "cancel", broadcast, environ=programme, cwd=tmp_path)
    assert "3 message(s) will not be sent" in cancelled.stdout
    data = json.loads(champbot("broadcast", "report", broadcast, "--json", environ=programme,
                               cwd=tmp_path).stdout)
    assert data["totals"]["cancelled"] == 3 and data["status"] == "cancelled"
    feedback = champbot("messages", "feedback", environ=programme, cwd=tmp_path).stdout
    assert "no feedback yet" in feedback


def test_a_json_file_with_create_now_and_a_bad_file_says_what_is_wrong(
    programme: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "all.json").write_text(json.dumps(
        {"texts": {"en": "Clinic closed on Monday."}, "audience": "all", "urgent": True}),
        encoding="utf-8")
    made = champbot("broadcast", "create", "all.json", "--now", environ=programme, cwd=tmp_path)
    assert made.stdout.strip().isdigit() and "4 recipient(s) queued" in made.stderr

    (tmp_path / "bad.yaml").write_text("texts: {ur: 'سلام'}\naudience: {areas: [Nowhere]}\n",
                                       encoding="utf-8")
    bad = champbot("broadcast", "create", "bad.yaml", environ=programme, cwd=tmp_path, ok=False)
    assert bad.returncode == 2 and "no area 'Nowhere'" in bad.stderr
    (tmp_path / "urdu.yaml").write_text("texts: {ur: 'سلام'}\n", encoding="utf-8")
    bad = champbot("broadcast", "create", "urdu.yaml", environ=programme, cwd=tmp_path, ok=False)
    assert "default language (English) is needed" in bad.stderr


def test_an_emoji_written_as_json_escapes_is_the_emoji(
    programme: dict[str, str], tmp_path: Path
) -> None:
    # As json.dumps writes it by default: "\\ud83d\\udc89", two escapes for one emoji.
    (tmp_path / "jab.json").write_text(json.dumps(
        {"texts": {"en": "Flu jabs 💉 free this week."}, "audience": "all"}), encoding="utf-8")
    assert "\\ud83d\\udc89" in (tmp_path / "jab.json").read_text(encoding="utf-8")
    made = champbot("broadcast", "create", "jab.json", environ=programme, cwd=tmp_path)
    listed = champbot("broadcast", "list", environ=programme, cwd=tmp_path).stdout
    assert made.stdout.strip().isdigit() and "Flu jabs 💉 free" in listed
    (tmp_path / "half.json").write_text(
        '{"texts": {"en": "Flu jabs \\ud83d free"}, "audience": "all"}', encoding="utf-8")
    half = champbot("broadcast", "create", "half.json", environ=programme, cwd=tmp_path,
                    ok=False)
    assert half.returncode == 2 and "half of a character" in half.stderr
    assert "Traceback" not in half.stderr


def test_urgent_is_true_or_false_and_each_text_is_words(
    programme: dict[str, str], tmp_path: Path
) -> None:
    for name, body, problem in (
            ("quoted.yaml", 'texts: {en: Hi}\nurgent: "no"\n',
             "quoted.yaml: urgent must be true or false (got 'no')"),
            ("maybe.yaml", "texts: {en: Hi}\nurgent: maybe\n",
             "maybe.yaml: urgent must be true or false (got 'maybe')"),
            ("list.yaml", "texts: {en: [1, 2]}\n",
             "list.yaml: texts: the en text must be words, not a list ([1, 2]); put it in "
             "quotes if need be"),
            ("number.json", '{"texts": {"en": "Hi", "ur": 12}}',
             "number.json: texts: the ur text must be words, not a number (12); put it in "
             "quotes if need be")):
        (tmp_path / name).write_text(body, encoding="utf-8")
        bad = champbot("broadcast", "create", name, environ=programme, cwd=tmp_path, ok=False)
        assert bad.returncode == 2 and bad.stderr.strip() == f"champbot: {problem}"
    assert champbot("broadcast", "list", environ=programme, cwd=tmp_path).stdout == ""
    for name, urgent in (("yes.yaml", "yes"), ("no.yaml", "no"), ("true.yaml", "true")):
        (tmp_path / name).write_text(f"texts: {{en: Hi}}\nurgent: {urgent}\n",
                                     encoding="utf-8")
        champbot("broadcast", "create", name, environ=programme, cwd=tmp_path)
    listed = champbot("broadcast", "list", environ=programme, cwd=tmp_path).stdout
    assert [" urgent" in line for line in listed.splitlines()] == [True, False, True]


def test_create_now_with_a_time_in_the_file_is_refused_and_nothing_is_made(
    programme: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "later.yaml").write_text(
        "texts: {en: Flu jabs on Saturday.}\nat: 2026-12-01T09:30:00+00:00\n",
        encoding="utf-8")
    bad = champbot("broadcast", "create", "later.yaml", "--now", environ=programme,
                   cwd=tmp_path, ok=False)
    assert bad.returncode == 2
    assert ("later.yaml says when to send it (at: 2026-12-01 09:30 UTC) and --now says now"
            in bad.stderr)
    assert champbot("broadcast", "list", environ=programme, cwd=tmp_path).stdout == ""


def test_sent_in_quiet_hours_it_says_when_it_starts_and_that_is_when_it_is_due(
    programme: dict[str, str], tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    ends = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    quiet = {**programme, "TIMEZONE": "UTC",
             "BROADCAST_QUIET_HOURS": f"{now - timedelta(hours=1):%H:%M}-{ends:%H:%M}"}
    later = now + timedelta(days=2)
    (tmp_path / "later.yaml").write_text(
        f"texts: {{en: Flu jabs on Saturday.}}\nat: {later.isoformat()}\n", encoding="utf-8")
    made = champbot("broadcast", "create", "later.yaml", environ=quiet, cwd=tmp_path)
    broadcast = made.stdout.strip()
    sent = champbot("broadcast", "send", broadcast, environ=quiet, cwd=tmp_path).stdout
    starts = f"{ends:%Y-%m-%d %H:%M} UTC"
    assert sent.strip() == f"broadcast {broadcast}: quiet hours; it starts at {starts}"
    listed = champbot("broadcast", "list", environ=quiet, cwd=tmp_path).stdout
    assert f"scheduled  {ends:%Y-%m-%d %H:%M}" in listed and "quiet-hours" in listed
    table = champbot("broadcast", "report", broadcast, environ=quiet, cwd=tmp_path).stdout
    assert f"held for quiet hours: it starts at {starts}" in table

    async def due() -> list[int]:
        database = Database(quiet["DATABASE_URL"])
        try:
            async with database.transaction() as session:
                return [await schedule.due(session, ends - timedelta(minutes=1)),
                        await schedule.due(session, ends)]
        finally:
            await database.close()

    assert asyncio.run(due()) == [[], [int(broadcast)]]


def weekly_from_the_day_after_tomorrow(programme: dict[str, str], tmp_path: Path
                                       ) -> tuple[datetime, str]:
    """A weekly broadcast to Northfield made from a file: its first time and its id."""
    later = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    (tmp_path / "rep.yaml").write_text(
        "texts: {en: Flu jabs on Saturday.}\naudience: {areas: [Northfield]}\n"
        f"at: {later.isoformat()}\nrepeat: weekly\n", encoding="utf-8")
    made = champbot("broadcast", "create", "rep.yaml", environ=programme, cwd=tmp_path)
    return later, made.stdout.strip()


def test_a_repeating_broadcasts_id_reports_each_time_it_went_out(
    programme: dict[str, str], tmp_path: Path
) -> None:
    later, parent = weekly_from_the_day_after_tomorrow(programme, tmp_path)
    copies = []
    for _ in range(2):  # started by hand twice (the scheduler starts it the same way)
        sent = champbot("broadcast", "send", parent, environ=programme, cwd=tmp_path).stdout
        # A copy goes now, and the coordinator is told the weekly times still hold.
        assert sent.endswith(": 3 recipient(s) queued; it still repeats, next at "
                             f"{later:%Y-%m-%d %H:%M} UTC\n")
        copies.append(sent.split(":")[0].removeprefix("broadcast "))
    assert parent not in copies

    table = champbot("broadcast", "report", parent, environ=programme, cwd=tmp_path).stdout
    lines = table.splitlines()
    assert lines[0] == (f"broadcast {parent}: scheduled, repeats weekly, next at "
                        f"{later:%Y-%m-%d %H:%M} UTC; it went out 2 time(s):")
    for copy in copies:
        row = next(line.split() for line in lines if line.startswith(f"{copy} "))
        assert row[3:6] == ["3", "3", "0"]  # recipients, queued, sent
    last = lines.index("the last time:")
    assert lines[last + 1] == (f"broadcast {copies[1]}: started, 3 recipient(s), one time of "
                               f"repeating broadcast {parent}")
    assert "telegram" in "\n".join(lines[last:])
    data = json.loads(champbot("broadcast", "report", parent, "--json", environ=programme,
                               cwd=tmp_path).stdout)
    assert [c["broadcast"] for c in data["copies"]] == [int(c) for c in copies]
    assert [c["recipients"] for c in data["copies"]] == [3, 3]
    assert data["copies"][0]["by_language"]["ur"]["queued"] == 1
    assert data["copies"][0]["source"] == int(parent) and data["repeat"] == "weekly"
    listed = champbot("broadcast", "list", environ=programme, cwd=tmp_path).stdout.splitlines()
    for copy in copies:
        line = next(line for line in listed if line.split()[0] == copy)
        assert f"copy of {parent}" in line and "started" in line
        # listed at the time it went (now, sent by hand), not the series' next time
        assert f"{later:%Y-%m-%d %H:%M}" not in line


def test_following_a_broadcast_no_channel_here_can_send_ends_and_says_why(
    programme: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "all.yaml").write_text("texts: {en: Clinic closed on Monday.}\n",
                                       encoding="utf-8")
    made = champbot("broadcast", "create", "all.yaml", "--now", environ=programme,
                    cwd=tmp_path)
    broadcast = made.stdout.strip()
    followed = champbot("broadcast", "report", broadcast, "--follow", "--every", "0.1",
                        environ=programme, cwd=tmp_path, ok=False)
    assert followed.returncode == 1
    assert f"broadcast {broadcast}: started, 4 recipient(s)" in followed.stdout
    assert ("4 message(s) cannot be sent from here: telegram is not configured (set "
            "TELEGRAM_BOT_TOKEN); whatsapp is not configured (set TWILIO_ACCOUNT_SID, "
            "TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM). They wait in the outbox"
            in followed.stderr)


def test_a_saved_group_is_an_audience(programme: dict[str, str], tmp_path: Path) -> None:
    saved = champbot("broadcast", "group", "Pharmacy volunteers", "1", "4", environ=programme,
                     cwd=tmp_path)
    assert "'Pharmacy volunteers': 2 people" in saved.stdout
    (tmp_path / "group.yaml").write_text(
        "texts: {en: Pharmacy rota changes next week.}\n"
        "audience: {group: [pharmacy volunteers]}\n", encoding="utf-8")
    made = champbot("broadcast", "create", "group.yaml", "--now", environ=programme,
                    cwd=tmp_path)
    assert "2 recipient(s) queued" in made.stderr


def test_following_a_broadcast_that_starts_days_from_now_says_when_instead_of_waiting(
    programme: dict[str, str], tmp_path: Path
) -> None:
    later = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    (tmp_path / "later.yaml").write_text(
        f"texts: {{en: Flu jabs on Saturday.}}\nat: {later.isoformat()}\n", encoding="utf-8")
    broadcast = champbot("broadcast", "create", "later.yaml", environ=programme,
                         cwd=tmp_path).stdout.strip()
    followed = champbot("broadcast", "report", broadcast, "--follow", "--every", "0.1",
                        environ=programme, cwd=tmp_path)
    assert f"broadcast {broadcast}: scheduled" in followed.stdout
    assert (f"champbot: broadcast {broadcast} has not started: it starts at "
            f"{later:%Y-%m-%d %H:%M} UTC; follow it then" in followed.stderr)


def test_following_a_repeating_broadcast_follows_the_time_it_went_out_then_stops(
    programme: dict[str, str], tmp_path: Path
) -> None:
    _, parent = weekly_from_the_day_after_tomorrow(programme, tmp_path)
    champbot("broadcast", "send", parent, environ=programme, cwd=tmp_path)
    followed = champbot("broadcast", "report", parent, "--follow", "--every", "0.1",
                        environ=programme, cwd=tmp_path, ok=False)
    # Nothing can send here (no channel configured): the copy's messages are stuck, said.
    assert followed.returncode == 1
    assert "3 message(s) cannot be sent from here" in followed.stderr
    assert f"broadcast {parent}: scheduled, repeats weekly" in followed.stdout


def test_a_broadcast_file_whose_time_has_passed_is_refused_and_nothing_is_made(
    programme: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "old.yaml").write_text(
        "texts: {en: Flu jabs on Saturday.}\nat: 2020-01-01T09:00:00+00:00\n", encoding="utf-8")
    refused = champbot("broadcast", "create", "old.yaml", environ=programme, cwd=tmp_path,
                       ok=False)
    assert refused.returncode != 0
    assert refused.stderr.strip() == ("champbot: its time (2020-01-01 09:00 UTC) has passed: "
                                      "give a later one, or none to send it now")
    assert champbot("broadcast", "list", environ=programme, cwd=tmp_path).stdout.strip() == ""


def test_following_a_broadcast_to_simulator_people_ends_and_says_where_they_read_it(
    programme: dict[str, str], tmp_path: Path
) -> None:
    champbot("chat", "--as", "sam", stdin="JOIN DEMO2026\nEnglish\nyes\nSam\n1\nskip\n",
             environ=programme, cwd=tmp_path)
    listed = champbot("people", "list", environ=programme, cwd=tmp_path).stdout
    sam = next(line.split()[0] for line in listed.splitlines() if "Sam" in line)
    champbot("broadcast", "group", "Simulator", sam, environ=programme, cwd=tmp_path)
    (tmp_path / "sim.yaml").write_text(
        "texts: {en: Clinic closed on Monday.}\naudience: {group: [Simulator]}\n",
        encoding="utf-8")
    broadcast = champbot("broadcast", "create", "sim.yaml", "--now", environ=programme,
                         cwd=tmp_path).stdout.strip()
    followed = champbot("broadcast", "report", broadcast, "--follow", "--every", "0.1",
                        environ=programme, cwd=tmp_path, ok=False)
    assert followed.returncode == 1
    assert ("1 message(s) cannot be sent from here: console messages are shown when each "
            "person next runs `champbot chat --as NAME`") in followed.stderr


def test_a_repeating_broadcast_sent_in_quiet_hours_says_it_still_repeats(
    programme: dict[str, str], tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    ends = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    quiet = {**programme, "TIMEZONE": "UTC",
             "BROADCAST_QUIET_HOURS": f"{now - timedelta(hours=1):%H:%M}-{ends:%H:%M}"}
    later, parent = weekly_from_the_day_after_tomorrow(quiet, tmp_path)
    sent = champbot("broadcast", "send", parent, environ=quiet, cwd=tmp_path).stdout
    assert sent.strip() == (f"broadcast {parent}: quiet hours; it starts at "
                            f"{ends:%Y-%m-%d %H:%M} UTC; it still repeats, next at "
                            f"{later:%Y-%m-%d %H:%M} UTC")
