"""One limit for a note and one wording for "start your journal", whichever way in and whichever command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Invoke
from peerlog.config import resolve_paths
from peerlog.store import Store

INIT_HINT = "Run `peerlog init` to start your journal."

# Every command that needs a journal with you in it (backup copies any journal file, so it is not here).
NEEDS_A_JOURNAL = [
    ["checkin", "--note", "A good talk"],
    ["log"],
    ["show", "abc"],
    ["edit", "abc", "--note", "New words"],
    ["delete", "abc", "--yes"],
    ["reflect", "--answer", "felt=Calm"],
    ["reflections"],
    ["feedback", "sam", "Thank you"],
    ["feedback", "--list"],
    ["pair", "list"],
    ["pair", "add", "Sam"],
    ["pair", "show", "Sam"],
    ["pair", "end", "Sam"],
    ["wins"],
    ["summary"],
    ["search", "talk"],
    ["challenge", "list"],
    ["export", "--format", "json", "--output", "out.json"],
    ["share", "--pair", "sam", "--output", "bundle.json"],
]


def _jrnl(path: Path, body: str) -> Path:
    entry = {"title": "", "body": body, "date": "2024-03-05", "time": "09:30", "tags": [], "starred": False}
    path.write_text(json.dumps({"tags": {}, "entries": [entry]}), encoding="utf-8")
    return path


def test_a_30000_character_note_imported_can_be_sent_again_unchanged_with_edit(
    journal: Invoke, tmp_path: Path
) -> None:
    note = ("Talked through the week, slowly and kindly. " * 700)[:30_000].strip()
    assert len(note) > 29_000
    assert journal("import", "--from", "jrnl", str(_jrnl(tmp_path / "j.json", note))).exit_code == 0
    kept = json.loads(journal("log", "--json").stdout)[0]
    assert kept["note"] == note
    edited = journal("edit", kept["id"][:8], "--note", note)
    assert edited.exit_code == 0, edited.output
    assert json.loads(journal("show", kept["id"][:8], "--json").stdout)["note"] == note


@pytest.mark.parametrize("args", NEEDS_A_JOURNAL, ids=" ".join)
def test_with_no_journal_every_command_says_how_to_start_one_in_the_same_words(
    invoke: Invoke, tmp_path: Path, args: list[str]
) -> None:
    result = invoke(*[str(tmp_path / a) if a.endswith(".json") else a for a in args])
    assert result.exit_code == 1
    assert result.stderr.endswith(f" {INIT_HINT}\n"), result.stderr


@pytest.mark.parametrize("args", NEEDS_A_JOURNAL, ids=" ".join)
def test_in_a_journal_that_does_not_know_you_every_command_says_the_same_words(
    invoke: Invoke, home: Path, tmp_path: Path, args: list[str]
) -> None:
    # A journal file with no "you" in it yet, as an interrupted first run can leave behind.
    Store.open(resolve_paths(None).db, create=True).close()
    result = invoke(*[str(tmp_path / a) if a.endswith(".json") else a for a in args])
    assert result.exit_code == 1
    assert result.stderr.endswith(f"Your journal does not know who you are yet. {INIT_HINT}\n"), result.stderr


def test_ctrl_c_at_the_restore_question_says_truthfully_that_nothing_was_saved(
    journal: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    journal("checkin", "--note", "One")
    older, newer = tmp_path / "older.json", tmp_path / "newer.json"
    journal("export", "--format", "json", "--include-private", "--output", str(older))
    journal("checkin", "--note", "Two")
    journal("export", "--format", "json", "--include-private", "--output", str(newer))
    laptop = {"PEERLOG_HOME": str(tmp_path / "laptop")}
    assert journal("restore", str(older), env=laptop).exit_code == 0
    journal("checkin", "--note", "Written on the laptop", env=laptop)
    before = journal("log", "--json", env=laptop).stdout
    monkeypatch.setattr("peerlog.cli.transfer.is_interactive", lambda: True)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text("\x03")
        result = journal("restore", str(newer), env=laptop)
    assert result.exit_code == 130
    assert result.stderr == "peerlog: Stopped. Nothing was saved.\n"
    assert journal("log", "--json", env=laptop).stdout == before
