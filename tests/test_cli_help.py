"""`peerlog --help` lists every command from a table, so it never imports them; the table stays true."""

from __future__ import annotations

from pathlib import Path

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


def _every_help(invoke: Invoke) -> dict[str, str]:
    """The help of the root, every command and every subcommand, as a person at 80 columns reads it."""
    pages = {"": invoke("--help", env={"COLUMNS": "80"}).stdout}
    for name in COMMANDS:
        page = invoke(name, "--help", env={"COLUMNS": "80"}).stdout
        pages[name] = page
        if "Commands:" in page:
            for line in page.split("Commands:")[1].splitlines():
                if line.startswith("  ") and not line.startswith("   "):
                    sub = line.split()[0]
                    pages[f"{name} {sub}"] = invoke(name, sub, "--help", env={"COLUMNS": "80"}).stdout
    return pages


def test_help_names_values_in_words_not_programmer_placeholders(invoke: Invoke) -> None:
    import re

    pages = _every_help(invoke)
    assert len(pages) > len(COMMANDS)  # the subcommands were read too
    for name, page in pages.items():
        assert re.search(r"<\w[\w\[\]]*>", page) is None, (name, page)  # <str>, <list[str]>, <file>
        assert re.search(r"\{[A-Z]+\}|\[\[", page) is None, (name, page)  # {ID}, [[FILE]]
    assert "Usage: peerlog show [OPTIONS] ID\n" in pages["show"]
    assert "Usage: peerlog backup [OPTIONS] [FILE]\n" in pages["backup"]
    assert "-p, --pair NAME" in pages["checkin"]
    assert "--at WHEN" in pages["checkin"]
    assert "-w, --win TEXT" in pages["checkin"]
    assert "-l, --limit NUMBER" in pages["log"]
    assert "--format markdown|json" in pages["export"]


def test_command_lists_show_each_description_whole_in_a_natural_order(invoke: Invoke) -> None:
    pages = _every_help(invoke)
    for name, page in pages.items():
        if "Commands:" in page:
            listing = page.split("Commands:")[1]
            assert "..." not in listing.replace("[ARGS]...", ""), (name, listing)
    listed = [
        line.split()[0]
        for line in pages["challenge"].split("Commands:")[1].splitlines()
        if line[2:3].isalpha()
    ]
    assert listed[0] == "list"
    prompts = [
        line.split()[0] for line in pages["prompts"].split("Commands:")[1].splitlines() if line[2:3].isalpha()
    ]
    assert prompts[:2] == ["list", "show"]


def test_shell_completion_offers_peer_group_and_pack_names_without_loading_the_journal_machinery(
    journal: Invoke, home: Path
) -> None:
    import os
    import subprocess
    import sys

    journal("pair", "add", "Robin")
    assert journal("group", "add", "Tuesday circle", "--member", "Kai", "--member", "Noor").exit_code == 0
    probe = (
        "import atexit, sys\n"
        # pydantic is left out: Typer itself coerces option values through it (see test_startup).
        "heavy = {'sqlmodel', 'sqlalchemy', 'rich', 'questionary', 'prompt_toolkit'}\n"
        "atexit.register(lambda: print('LOADED', *sorted({m.split('.')[0] for m in sys.modules} & heavy),"
        " file=sys.stderr))\n"
        "sys.argv[0] = 'peerlog'\n"
        "from peerlog.cli.app import run\n"
        "run()\n"
    )

    def complete(words: str) -> tuple[list[str], str]:
        cword = len(words.split()) - (0 if words.endswith(" ") else 1)
        env = {
            **os.environ,
            "PEERLOG_HOME": str(home),
            "_PEERLOG_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(cword),
        }
        env.pop("PEERLOG_DB", None)
        done = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=30, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines(), done.stderr

    offered, loaded = complete("peerlog checkin --pair ")
    assert offered == ["Robin", "Sam"]
    assert loaded.strip() == "LOADED"  # plain sqlite3, read-only: no ORM, no rich, no questions
    assert complete("peerlog log --pair s")[0] == ["Sam"]
    assert complete("peerlog pair show r")[0] == ["Robin"]
    assert complete("peerlog feedback ")[0] == ["Robin", "Sam"]
    assert "daily-checkin" in complete("peerlog reflect --pack ")[0]
    assert complete("peerlog prompts show daily")[0] == ["daily-checkin"]
    assert complete("peerlog checkin --group ")[0] == ["Tuesday circle"]
    for listing in ("log", "reflections", "search words"):
        assert complete(f"peerlog {listing} --group ")[0] == ["Tuesday circle"]
    assert complete("peerlog group show t")[0] == ["Tuesday circle"]
    assert complete("peerlog group rename ")[0] == ["Tuesday circle"]


def test_shell_completion_in_a_place_with_no_journal_offers_nothing_and_creates_nothing(
    tmp_path: Path,
) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "PEERLOG_HOME": str(tmp_path / "none"),
        "_PEERLOG_COMPLETE": "complete_bash",
        "COMP_WORDS": "peerlog checkin --pair ",
        "COMP_CWORD": "3",
    }
    env.pop("PEERLOG_DB", None)
    script = Path(sys.executable).with_name("peerlog")
    done = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=30, check=False)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", "")
    assert not (tmp_path / "none").exists()
