"""No path can move your journal: every file peerlog opens or writes is the one named, whatever it is called.

A path with `#`, `?` or `%XX` once reached SQLite inside a URI unescaped: the journal went to another file
(created world-readable) while an empty one sat at the named path, and a backup came out empty. Each case
below checks, for one awkward name, that the data is in the file named, owner-only, and that nothing
else appeared anywhere.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from peerlog.identity import key_path
from peerlog.store import migrations
from support import Invoke

NAMES = [
    "hash#tag",
    "q?x=1",
    "my%20journal",
    "100%",
    "with space",
    'it\'s "quoted"',
    "naïve 日記",
    "a[1]*",
    "file:looks-like-a-uri",
]


def files_under(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if not p.is_dir()}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def notes(invoke: Invoke, db: Path) -> list[str]:
    result = invoke("--db", str(db), "log", "--json")
    assert result.exit_code == 0, result.stderr
    return [entry["note"] for entry in json.loads(result.stdout)]


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder of its own, also the working directory (so a relative stray file would land here)."""
    root = tmp_path / "here"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def started(invoke: Invoke, db: Path) -> None:
    assert invoke("--db", str(db), "init", "--name", "Ana").exit_code == 0
    assert invoke("--db", str(db), "checkin", "--note", "Kept where I said").exit_code == 0


@pytest.mark.parametrize("name", NAMES)
def test_a_journal_named_with_awkward_characters_lives_exactly_there(
    name: str, invoke: Invoke, place: Path
) -> None:
    db = place / name / f"{name}.db"
    started(invoke, db)
    assert notes(invoke, db) == ["Kept where I said"]
    assert files_under(place) == {db.relative_to(place), key_path(db).relative_to(place)}
    assert mode(db) == mode(key_path(db)) == 0o600 and mode(db.parent) == 0o700


@pytest.mark.parametrize("name", NAMES)
def test_peerlog_home_with_awkward_characters_keeps_the_journal_inside_it(
    name: str, invoke: Invoke, place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = place / name
    monkeypatch.setenv("PEERLOG_HOME", str(home))
    assert invoke("init", "--name", "Ana").exit_code == 0
    assert invoke("checkin", "--note", "At home").exit_code == 0
    assert [e["note"] for e in json.loads(invoke("log", "--json").stdout)] == ["At home"]
    assert files_under(place) == {Path(name) / "peerlog.db", Path(name) / "peerlog.db.key"}
    assert mode(home / "peerlog.db") == mode(home / "peerlog.db.key") == 0o600


@pytest.mark.parametrize("name", NAMES)
def test_backup_and_export_of_a_journal_with_awkward_names_hold_the_entries(
    name: str, invoke: Invoke, place: Path
) -> None:
    db = place / name / f"{name}.db"
    started(invoke, db)
    backup = place / name / f"backup {name}.db"
    result = invoke("--db", str(db), "backup", str(backup))
    assert result.exit_code == 0, result.stderr
    assert notes(invoke, backup) == ["Kept where I said"]
    exported = place / name / f"{name}.json"
    result = invoke("--db", str(db), "export", "-f", "json", "--include-private", "--output", str(exported))
    assert result.exit_code == 0, result.stderr
    assert "Kept where I said" in exported.read_text(encoding="utf-8")
    written = (db, key_path(db), backup, key_path(backup), exported)
    assert files_under(place) == {p.relative_to(place) for p in written}
    assert {mode(p) for p in written} == {0o600}


@pytest.mark.parametrize("name", NAMES)
def test_doctor_reads_a_journal_with_an_awkward_name(name: str, invoke: Invoke, place: Path) -> None:
    db = place / name / f"{name}.db"
    started(invoke, db)
    result = invoke("--db", str(db), "doctor", "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 0, report["findings"]
    assert report["counts"]["checkin"] == 1
    assert report["integrity"] == ["ok"]
    # A read-only look may leave SQLite's own working files beside the journal, owner-only like it.
    sides = {Path(f"{db}-wal"), Path(f"{db}-shm")}
    assert files_under(place) - {p.relative_to(place) for p in sides} == {
        db.relative_to(place),
        key_path(db).relative_to(place),
    }
    assert {mode(side) for side in sides if side.exists()} <= {0o600}


def _pronouns(op: Any) -> None:
    import sqlalchemy as sa

    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("pronouns", sa.String(), nullable=True))


@pytest.mark.parametrize("name", NAMES)
def test_the_copy_taken_before_an_upgrade_holds_the_journal_whatever_its_name(
    name: str, invoke: Invoke, place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = place / name / f"{name}.db"
    started(invoke, db)
    version = migrations.LATEST
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("9999_pronouns", _pronouns)])
    monkeypatch.setattr(migrations, "LATEST", version + 1)
    assert notes(invoke, db) == ["Kept where I said"]  # opening it upgrades it
    copy = db.with_name(f"{db.name}.schema{version}.bak")
    assert files_under(place) == {p.relative_to(place) for p in (db, key_path(db), copy)}
    assert mode(copy) == 0o600
    monkeypatch.setattr(migrations, "LATEST", version)
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:-1])
    assert notes(invoke, copy) == ["Kept where I said"]


@pytest.mark.slow  # real processes, so their arguments arrive as bytes
def test_a_path_that_is_not_valid_utf8_still_names_its_own_file(place: Path) -> None:
    if sys.platform == "darwin":
        pytest.skip("macOS file systems only allow UTF-8 names")
    db = os.fsencode(place) + b"/caf\xe9.db"

    def peerlog(*args: str) -> subprocess.CompletedProcess[bytes]:
        # A child process: its arguments are bytes, as a shell passes them.
        command = [os.fsencode(sys.executable), b"-m", b"peerlog", b"--db", db, *map(os.fsencode, args)]
        return subprocess.run(command, capture_output=True, check=False, timeout=60)

    assert peerlog("init", "--name", "Ana").returncode == 0
    assert peerlog("checkin", "--note", "Kept where I said").returncode == 0
    listed = peerlog("log", "--json")
    assert [e["note"] for e in json.loads(listed.stdout)] == ["Kept where I said"]
    assert sorted(os.listdir(os.fsencode(place))) == [b"caf\xe9.db", b"caf\xe9.db.key"]
