"""Start-up stays lean: what a command imports decides how long people wait for it.

Each check runs in a fresh interpreter (a subprocess), because this test process has long since imported
everything. Timings live in benchmarks/bench_startup.py; these tests guard the causes, which do not flake.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "questionary",
    "rich",
    "alembic",
    "pydantic",
    "prompt_toolkit",
    "nacl",
    "psycopg",
)

# Runs peerlog in-process with the given arguments and prints, as JSON, which heavy packages each step
# loaded. Help for every command is asked for in one interpreter, so new commands are covered as they land.
PROBE = f"""
import json, sys
HEAVY = {HEAVY!r}

def loaded():
    return sorted({{m.split(".")[0] for m in sys.modules}} & set(HEAVY))

steps = json.loads(sys.argv[1])
report = []
for argv in steps:
    if argv == ["import"]:
        import peerlog.cli
    elif argv == ["help-everywhere"]:
        import typer.main
        from peerlog.cli import app
        group = typer.main.get_command(app)
        def walk(command, path):
            yield path
            for name, sub in getattr(command, "commands", {{}}).items():
                yield from walk(sub, [*path, name])
        for path in walk(group, []):
            try:
                group.main([*path, "--help"], prog_name="peerlog", standalone_mode=False)
            except SystemExit:
                pass
            if set(loaded()) - {{"pydantic"}}:
                report.append({{"step": " ".join(path) + " --help", "loaded": loaded()}})
                break
        argv = ["every command --help"]
    else:
        from peerlog.cli import app
        try:
            app(argv, prog_name="peerlog")
        except SystemExit:
            pass
    report.append({{"step": " ".join(argv), "loaded": loaded()}})
print("PROBE" + json.dumps(report))
"""


def probe(steps: list[list[str]], home: Path) -> dict[str, list[str]]:
    env = {**os.environ, "PEERLOG_HOME": str(home), "PEERLOG_NO_PROMPT": "1"}
    env.pop("PEERLOG_DB", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(steps)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("PROBE")), None)
    assert line, done.stdout + done.stderr
    return {step["step"]: step["loaded"] for step in json.loads(line[len("PROBE") :])}


def test_importing_the_cli_loads_none_of_the_heavy_libraries(tmp_path: Path) -> None:
    assert probe([["import"]], tmp_path) == {"import": []}


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["-h"]], ids=" ".join)
def test_help_and_version_load_no_database_prompt_or_rendering_library(
    argv: list[str], tmp_path: Path
) -> None:
    assert probe([argv], tmp_path) == {" ".join(argv): []}


def test_every_commands_help_loads_no_database_prompt_or_rendering_library(tmp_path: Path) -> None:
    # Walks every registered command, so commands added later are held to the same promise. Typer itself
    # coerces the root `--db` option through pydantic before a command's --help runs; that is allowed.
    loaded = probe([["help-everywhere"]], tmp_path)
    assert {step: [m for m in mods if m != "pydantic"] for step, mods in loaded.items()} == {
        "every command --help": []
    }


def test_opening_a_current_journal_never_imports_the_migration_framework(tmp_path: Path) -> None:
    steps = [["init", "--name", "Ana"], ["log", "--limit", "10"]]
    # In one interpreter the first step creates the journal (and must migrate), so use two.
    created = probe([steps[0]], tmp_path)
    assert "alembic" in created["init --name Ana"], (
        "creating a journal runs migrations; the probe must see it"
    )
    for argv in (["log", "--limit", "10"], ["checkin", "--note", "Hello"], ["init"]):
        loaded = probe([argv], tmp_path)[" ".join(argv)]
        assert "sqlalchemy" in loaded  # the journal really was opened
        assert "alembic" not in loaded, f"`peerlog {' '.join(argv)}` imported alembic on a current journal"


def test_a_check_in_by_flags_asks_nothing_so_never_loads_the_prompt_library(tmp_path: Path) -> None:
    probe([["init", "--name", "Ana"]], tmp_path)
    loaded = probe([["checkin", "--mood", "4", "--note", "Good talk"]], tmp_path)
    assert "questionary" not in loaded["checkin --mood 4 --note Good talk"]
    assert "prompt_toolkit" not in loaded["checkin --mood 4 --note Good talk"]


def test_everyday_commands_on_a_current_journal_never_load_the_crypto_library(tmp_path: Path) -> None:
    created = probe([["init", "--name", "Ana"]], tmp_path)
    assert "nacl" in created["init --name Ana"], "init makes the key; the probe must see it"
    for argv in (["log"], ["checkin", "--note", "Hello"], ["pair", "add", "Sam"], ["pair", "show", "sam"]):
        loaded = probe([argv], tmp_path)[" ".join(argv)]
        assert "sqlalchemy" in loaded  # the journal really was opened
        assert "nacl" not in loaded, f"`peerlog {' '.join(argv)}` imported nacl on a current journal"


def test_syncing_a_journal_that_never_joined_a_hub_never_loads_the_postgresql_driver(tmp_path: Path) -> None:
    folder = tmp_path / "shared-folder"
    folder.mkdir()
    for argv in (
        ["init", "--name", "Ana"],
        ["pair", "add", "Sam"],
        ["pair", "set", "sam", "--sync-dir", str(folder)],
    ):
        probe([argv], tmp_path)
    for argv in (["sync"], ["hub", "status"], ["pair", "list"]):
        loaded = probe([argv], tmp_path)[" ".join(argv)]
        assert "sqlalchemy" in loaded  # the journal really was opened
        assert "psycopg" not in loaded, f"`peerlog {' '.join(argv)}` imported psycopg without a hub"
