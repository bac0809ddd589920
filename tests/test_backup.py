"""`peerlog backup`: a consistent, owner-only copy of the journal, even while it is in use, that restores."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import stat
from datetime import datetime
from pathlib import Path

from peerlog.backups import destination_for
from support import Invoke

NAME = re.compile(r"^peerlog-backup-\d{8}-\d{6}(-\d+)?\.db$")


def _notes(invoke: Invoke, *args: str) -> list[str]:
    return [e["note"] for e in json.loads(invoke(*args, "log", "--json").stdout)]


def test_a_backup_goes_beside_the_journal_by_default_readable_by_you_only(
    journal: Invoke, home: Path
) -> None:
    journal("checkin", "--note", "Worth keeping")
    result = journal("backup")
    assert result.exit_code == 0, result.stderr
    backups = [p for p in home.iterdir() if NAME.match(p.name)]
    assert len(backups) == 1
    key = Path(f"{backups[0]}.key")
    assert result.stdout == (
        f"Backed up your journal to {backups[0]} and your key to {key} (both readable by you only).\n"
    )
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_bytes() == (home / "peerlog.db.key").read_bytes()
    assert _notes(journal, "--db", str(backups[0])) == ["Worth keeping"]


def test_two_backups_in_the_same_second_are_both_kept(tmp_path: Path) -> None:
    journal_file = tmp_path / "peerlog.db"
    moment = datetime(2026, 11, 21, 18, 30, 5)
    first = destination_for(journal_file, None, now=moment)
    assert first == tmp_path / "peerlog-backup-20261121-183005.db"
    first.write_bytes(b"")
    assert destination_for(journal_file, None, now=moment) == tmp_path / "peerlog-backup-20261121-183005-2.db"


def test_a_backup_can_go_to_a_file_or_into_a_folder(journal: Invoke, tmp_path: Path) -> None:
    journal("checkin", "--note", "On the stick")
    target = tmp_path / "journal-copy.db"
    assert journal("backup", str(target)).exit_code == 0
    assert _notes(journal, "--db", str(target)) == ["On the stick"]
    folder = tmp_path / "usb-stick"
    folder.mkdir()
    assert journal("backup", str(folder)).exit_code == 0
    inside, key = sorted(folder.iterdir())
    assert NAME.match(inside.name) and key.name == f"{inside.name}.key"


def test_a_backup_never_replaces_a_file_without_force(journal: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    target.write_bytes(b"something precious")
    result = journal("backup", str(target))
    assert result.exit_code == 2
    assert "already exists" in result.stderr and len(result.stderr.splitlines()) == 1
    assert target.read_bytes() == b"something precious"
    assert journal("backup", str(target), "--force").exit_code == 0
    assert _notes(journal, "--db", str(target)) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.db", "copy.db.key", "peerlog-home"]


def test_a_backup_while_someone_is_writing_holds_what_was_committed(
    journal: Invoke, home: Path, tmp_path: Path
) -> None:
    journal("checkin", "--note", "Committed before")
    writer = sqlite3.connect(home / "peerlog.db", isolation_level=None, timeout=1)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO meta (key, value) VALUES ('half-written', 'not yet')")
        target = tmp_path / "during.db"
        result = journal("backup", str(target))
        assert result.exit_code == 0, result.stderr
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM meta WHERE key = 'half-written'").fetchone() == (0,)
    finally:
        copy.close()
    assert _notes(journal, "--db", str(target)) == ["Committed before"]


def test_restoring_a_backup_as_the_readme_says_brings_the_journal_back(
    journal: Invoke, home: Path, tmp_path: Path
) -> None:
    journal("checkin", "--note", "Before the backup")
    backup = tmp_path / "backup.db"
    journal("backup", str(backup))
    journal("checkin", "--note", "After the backup")
    # The README's steps: move the journal and its -wal/-shm files aside, copy the backup into place.
    aside = tmp_path / "aside"
    aside.mkdir()
    for suffix in ("", "-wal", "-shm"):
        part = home / f"peerlog.db{suffix}"
        if part.exists():
            part.rename(aside / part.name)
    shutil.copy2(backup, home / "peerlog.db")
    assert _notes(journal) == ["Before the backup"]


def test_backup_without_a_journal_says_how_to_start_one(invoke: Invoke) -> None:
    result = invoke("backup")
    assert result.exit_code == 1
    assert result.stderr.startswith("peerlog: There is no journal at ")


def test_a_backup_into_a_missing_folder_is_a_clear_error(journal: Invoke, tmp_path: Path) -> None:
    result = journal("backup", str(tmp_path / "gone" / "copy.db"))
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"peerlog: Cannot write {tmp_path / 'gone' / 'copy.db'}: the folder {tmp_path / 'gone'} does not exist. Create it first, or choose another place.\n"
    )
