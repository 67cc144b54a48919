"""`champbot broadcast`, `people import` and `messages feedback`, run as a person would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
    assert again.returncode == 2 and "is started" in again.stderr

    table = champbot("broadcast", "report", broadcast, environ=programme, cwd=tmp_path).stdout
    assert "3 recipient(s)" in table and "telegram" in table and "whatsapp" in table
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
    assert "default language (en)" in bad.stderr


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
