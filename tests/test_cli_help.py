"""`peerlog --help` lists every command from a table, so it never imports them; the table stays true."""

from __future__ import annotations

import pytest

from peerlog.cli.app import COMMANDS, load_command
from support import Invoke


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_help_line_of_each_command_is_the_first_line_of_its_own_help(name: str) -> None:
    command = load_command(name)
    first_line = (command.help or "").strip().splitlines()[0].strip()
    assert COMMANDS[name][1] == first_line


def test_help_lists_every_command(invoke: Invoke) -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    listed = {
        line.split()[0]
        for line in result.stdout.split("Commands:")[1].splitlines()
        if line.startswith("  ") and not line.startswith("   ")
    }
    assert listed == set(COMMANDS)


def test_an_unknown_command_is_a_usage_error(invoke: Invoke) -> None:
    result = invoke("chekin")
    assert result.exit_code == 2
    assert "No such command" in result.stderr


def test_every_command_has_help(invoke: Invoke) -> None:
    for name in COMMANDS:
        result = invoke(name, "--help")
        assert result.exit_code == 0, name
        assert "Usage: " in result.stdout


def test_shell_completion_offers_commands_and_subcommands() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).with_name("peerlog")

    def complete(words: str, cword: int) -> list[str]:
        env = {
            **os.environ,
            "_PEERLOG_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(cword),
        }
        done = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("peerlog ch", 1) == ["checkin", "challenge"]
    assert complete("peerlog pair ", 2) == ["add", "list", "show", "set", "end"]
