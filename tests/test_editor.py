"""`peerlog edit ID` in the person's own editor: the note never leaves their private folder, never gets lost,
and whatever the editor does, peerlog answers with one line and leaves the journal as it was."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest

from support import Invoke
from test_cli_checkins import entries, saved_id


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("peerlog.cli.checkins.is_interactive", lambda: True)


@pytest.fixture
def note_id(journal: Invoke) -> str:
    return saved_id(journal("checkin", "--note", "A quiet evening").stdout)


def editor(tmp_path: Path, body: str) -> dict[str, str]:
    """An editor that runs `body` with `path` set to the file it was asked to edit."""
    script = tmp_path / "editor.py"
    script.write_text(f"import os, sys, json\npath = sys.argv[1]\n{body}\n", encoding="utf-8")
    return {"EDITOR": f"{sys.executable} {script}", "VISUAL": ""}


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "unexpected" not in stderr
    return lines[0]


def test_edit_without_flags_and_without_a_terminal_says_so_and_opens_no_editor(
    journal: Invoke, note_id: str, tmp_path: Path
) -> None:
    env = editor(tmp_path, f"open({str(tmp_path / 'opened')!r}, 'w').close()")
    result = journal("edit", note_id, env=env)
    assert result.exit_code == 2
    assert "no terminal to open your editor in" in one_line(result.stderr)
    assert not (tmp_path / "opened").exists()


def test_the_note_being_edited_lives_in_a_private_folder_beside_the_journal_and_is_removed_after(
    journal: Invoke, note_id: str, tmp_path: Path, home: Path, terminal: None
) -> None:
    seen = tmp_path / "seen.json"
    env = editor(
        tmp_path,
        "st, folder = os.stat(path), os.stat(os.path.dirname(path))\n"
        f"json.dump([path, st.st_mode, folder.st_mode, open(path).read()], open({str(seen)!r}, 'w'))\n"
        "open(path, 'w').write('A quiet evening, and a long call')",
    )
    result = journal("edit", note_id, env=env)
    assert result.exit_code == 0, result.stderr
    path, mode, folder_mode, shown = json.loads(seen.read_text())
    assert Path(path).parent == home / "peerlog.db.drafts"
    assert stat.S_IMODE(mode) == 0o600 and stat.S_IMODE(folder_mode) == 0o700
    assert shown == "A quiet evening"
    assert not Path(path).exists() and not (home / "peerlog.db.drafts").exists()
    assert entries(journal)[0]["note"] == "A quiet evening, and a long call"


def test_a_refused_edited_note_is_kept_and_where_is_said(
    journal: Invoke, note_id: str, tmp_path: Path, home: Path, terminal: None
) -> None:
    long_note = "I wrote and wrote. " * 6000  # past the 100,000-character limit
    env = editor(tmp_path, f"open(path, 'w').write({long_note!r})")
    result = journal("edit", note_id, env=env)
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert "longer than" in line and "Your edited note is kept in" in line
    (kept,) = (home / "peerlog.db.drafts").iterdir()
    assert str(kept) in line
    assert kept.read_text(encoding="utf-8") == long_note
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert entries(journal)[0]["note"] == "A quiet evening"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("os.remove(path)", "removed the note's file"),
        ("open(path, 'wb').write(b'caf\\xe9 and \\xff')", "not UTF-8"),
        ("sys.exit(3)", "exited with status 3"),
    ],
    ids=["deletes its file", "writes invalid utf-8", "fails"],
)
def test_whatever_the_editor_does_the_answer_is_one_line_and_the_note_is_unchanged(
    journal: Invoke, note_id: str, tmp_path: Path, terminal: None, body: str, says: str
) -> None:
    result = journal("edit", note_id, env=editor(tmp_path, body))
    assert result.exit_code == 1
    assert says in one_line(result.stderr)
    assert entries(journal)[0]["note"] == "A quiet evening"


def test_text_the_editor_saved_in_another_encoding_is_kept_privately(
    journal: Invoke, note_id: str, tmp_path: Path, home: Path, terminal: None
) -> None:
    result = journal("edit", note_id, env=editor(tmp_path, "open(path, 'wb').write(b'caf\\xe9')"))
    (kept,) = (home / "peerlog.db.drafts").iterdir()
    assert str(kept) in result.stderr
    assert kept.read_bytes() == b"caf\xe9"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


@pytest.mark.parametrize("value", ["vim '", 'code "--wait', "nano \\"])
def test_an_editor_setting_peerlog_cannot_read_is_one_line(
    journal: Invoke, note_id: str, terminal: None, value: str
) -> None:
    result = journal("edit", note_id, env={"EDITOR": value, "VISUAL": ""})
    assert result.exit_code == 1
    assert "$EDITOR cannot be read as a command" in one_line(result.stderr)
    assert entries(journal)[0]["note"] == "A quiet evening"


def test_ctrl_c_while_the_editor_is_open_is_the_editors_to_handle(
    journal: Invoke, note_id: str, tmp_path: Path, terminal: None
) -> None:
    # A Ctrl-C in the terminal reaches peerlog as well as the editor (vi uses it to leave insert mode).
    env = editor(
        tmp_path,
        "import signal, time\nos.kill(os.getppid(), signal.SIGINT)\ntime.sleep(0.2)\n"
        "open(path, 'w').write('Kept writing after Ctrl-C')",
    )
    result = journal("edit", note_id, env=env)
    assert result.exit_code == 0, result.stderr
    assert entries(journal)[0]["note"] == "Kept writing after Ctrl-C"
