"""The command line's help: every command says what it does, lists its choices, and shows
no value type beside a flag (`--help <bool>`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from bot.cli import cli
from bot.storage.models import Role

ROOT = get_command(cli)


def walk(command: Any = ROOT, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from walk(sub, (*path, name))


COMMANDS = dict(walk())


def help_of(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(cli, [*path, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=lambda p: " ".join(p) or "champbot")
def test_help_shows_flags_without_a_value_type(path: tuple[str, ...]) -> None:
    text = help_of(path)
    assert "<bool>" not in text
    assert re.search(r"^\s+--help\s+Show this message and exit\.$", text, re.MULTILINE), text


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=lambda p: " ".join(p) or "champbot")
def test_every_command_and_option_says_what_it_does(path: tuple[str, ...]) -> None:
    command = COMMANDS[path]
    assert (command.help or "").strip(), f"{path} has no help"
    for param in command.params:
        assert (getattr(param, "help", None) or "").strip(), f"{path}: {param.name} has no help"


@pytest.mark.parametrize("path", [p for p, c in COMMANDS.items() if getattr(c, "commands", {})],
                         ids=lambda p: " ".join(p) or "champbot")
def test_each_listed_command_is_described_in_a_whole_sentence(path: tuple[str, ...]) -> None:
    listing = " ".join(help_of(path).split("Commands:", 1)[1].split())
    for name, sub in COMMANDS[path].commands.items():
        first = " ".join(sub.help.split()).split(". ")[0].rstrip(".")
        assert f"{name} {first}" in listing


def test_invite_lists_every_role_it_can_make() -> None:
    text = help_of(("invite",))
    assert f"--role <{'|'.join(role.value for role in Role)}>" in text
    assert {"champion", "coordinator", "partner"} <= {role.value for role in Role}
    assert "Who the code is for: champion, coordinator or partner." in " ".join(text.split())
