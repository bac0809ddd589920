"""A journal in a folder that cannot be written: reading works, saving says why not, the doctor tells the truth.

SQLite needs a small side file (-shm) to read a WAL journal, and cannot make one in a read-only folder; a
journal there once refused even `log`, and the doctor advised restoring a backup, which would have rolled
the person back for a permission problem.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from peerlog.store import migrations
from support import WAYS, Invoke, read_only, run_as_a_plain_user


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(journal: Invoke, home: Path) -> Path:
    assert (
        journal("checkin", "--pair", "sam", "--shared", "--note", "Good talk", "--win", "Asked").exit_code
        == 0
    )
    assert journal("checkin", "--note", "Quiet day").exit_code == 0
    return home / "peerlog.db"


def _reads_everything(invoke: Invoke) -> None:
    listed = invoke("log", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert [e["note"] for e in json.loads(listed.stdout)] == ["Quiet day", "Good talk"]
    found = invoke("search", "talk", "--json")
    assert found.exit_code == 0, found.stderr
    assert "Good talk" in found.stdout
    exported = invoke("export", "--format", "json", "--include-private")
    assert exported.exit_code == 0, exported.stderr
    assert "Quiet day" in exported.stdout and "Good talk" in exported.stdout
    assert invoke("wins").exit_code == 0


@pytest.mark.parametrize("how", WAYS)
def test_a_journal_in_a_read_only_folder_can_still_be_read(
    how: str, invoke: Invoke, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = digest(db)
    with read_only(db.parent, how, monkeypatch):
        _reads_everything(invoke)
    assert digest(db) == before


@pytest.mark.parametrize("how", WAYS)
def test_a_read_only_journal_in_a_read_only_folder_can_still_be_read(
    how: str, invoke: Invoke, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with read_only(db, how, monkeypatch), read_only(db.parent, how, monkeypatch):
        _reads_everything(invoke)


@pytest.mark.parametrize("how", WAYS)
def test_saving_in_a_read_only_folder_names_the_folder_in_one_line(
    how: str, invoke: Invoke, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with read_only(db.parent, how, monkeypatch):
        result = invoke("checkin", "--note", "Will not fit")
        listed = invoke("log", "--json")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"peerlog: The folder {db.parent} cannot be written, so nothing could be saved"
    )
    assert len(result.stderr.splitlines()) == 1
    assert len(json.loads(listed.stdout)) == 2


@pytest.mark.parametrize("how", WAYS)
def test_the_doctor_calls_a_read_only_folder_what_it_is_and_never_suggests_a_backup(
    how: str, invoke: Invoke, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with read_only(db, how, monkeypatch), read_only(db.parent, how, monkeypatch):
        result = invoke("doctor", "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert report["counts"]["checkin"] == 2
    assert report["integrity"] == ["ok"]
    said = " ".join(f"{f['what']} {f['todo'] or ''}" for f in report["findings"])
    assert f"The folder {db.parent} cannot be written" in said
    assert "backup" not in said and "damaged" not in said


# ---------------------------------------------------------------- as a user whom permission bits stop
# The exact case reported: chmod on the folder (and the file), seen by someone permissions bind. As root,
# the child process runs without the capabilities that let root ignore them.


def test_with_chmod_a_read_only_folder_still_reads_and_the_doctor_tells_the_truth(db: Path) -> None:
    home = db.parent
    home.chmod(0o500)
    db.chmod(0o400)
    try:
        listed = run_as_a_plain_user("log", "--json", home=home)
        search = run_as_a_plain_user("search", "talk", home=home)
        export = run_as_a_plain_user("export", home=home)
        saved = run_as_a_plain_user("checkin", "--note", "Will not fit", home=home)
        doctor = run_as_a_plain_user("doctor", "--json", home=home)
    finally:
        home.chmod(0o700)
        db.chmod(0o600)
    assert listed.returncode == 0, listed.stderr
    assert [e["note"] for e in json.loads(listed.stdout)] == ["Quiet day", "Good talk"]
    assert search.returncode == 0 and "Good talk" in search.stdout, search.stderr
    assert export.returncode == 0 and "Good talk" in export.stdout, export.stderr
    assert saved.returncode == 1 and len(saved.stderr.splitlines()) == 1
    assert f"The folder {home} cannot be written" in saved.stderr
    report = json.loads(doctor.stdout)
    said = " ".join(f"{f['what']} {f['todo'] or ''}" for f in report["findings"])
    assert report["counts"]["checkin"] == 2
    assert f"The folder {home} cannot be written" in said
    assert "backup" not in said


# ---------------------------------------------------------------- nothing set up, or an upgrade due


@pytest.mark.parametrize("how", ["immutable", "read-only mount"])
def test_an_empty_journal_file_in_a_read_only_folder_is_one_clear_line(
    how: str, invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "journal"
    folder.mkdir()
    empty = folder / "peerlog.db"
    empty.touch(mode=0o600)
    with read_only(folder, how, monkeypatch):
        for args in (["log"], ["init", "--name", "Ana"]):
            result = invoke("--db", str(empty), *args)
            assert result.exit_code == 1
            assert result.stderr.startswith(
                f"peerlog: The journal at {empty} was never set up, and it cannot be"
            )
            assert f"its folder {folder} cannot be written" in result.stderr
            assert len(result.stderr.splitlines()) == 1
    assert empty.read_bytes() == b""


def _pronouns(op: Any) -> None:
    import sqlalchemy as sa

    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("pronouns", sa.String(), nullable=True))


@pytest.mark.parametrize("how", ["immutable", "read-only mount"])
@pytest.mark.parametrize("what", ["file", "folder"])
def test_an_older_journal_that_cannot_be_written_is_refused_without_taking_copies(
    how: str, what: str, invoke: Invoke, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("9999_pronouns", _pronouns)])
    monkeypatch.setattr(migrations, "LATEST", migrations.LATEST + 1)
    before = digest(db)
    with read_only(db if what == "file" else db.parent, how, monkeypatch):
        for _attempt in range(3):
            result = invoke("log")
            assert result.exit_code == 1
            assert "needs a one-time upgrade for this peerlog, but" in result.stderr
            assert len(result.stderr.splitlines()) == 1
    assert list(db.parent.glob("*.bak")) == []
    assert digest(db) == before


@pytest.mark.parametrize("how", ["immutable", "chmod"])
def test_entries_still_in_the_write_ahead_log_are_never_silently_left_out(
    how: str, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    import sqlite3

    # A copy taken while another peerlog had the journal open: the newest check-in is only in the -wal.
    holder = sqlite3.connect(db)
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute("UPDATE checkin SET note = 'Only in the log' WHERE note = 'Quiet day'")
    holder.commit()
    elsewhere = tmp_path / "copied"
    elsewhere.mkdir(mode=0o700)
    shutil.copy2(db, elsewhere / db.name)
    shutil.copy2(f"{db}-wal", elsewhere / f"{db.name}-wal")
    holder.close()
    assert Path(f"{elsewhere / db.name}-wal").stat().st_size > 0
    if how == "chmod":
        (elsewhere / db.name).chmod(0o400)
        elsewhere.chmod(0o500)
        try:
            result = run_as_a_plain_user("log", "--json", home=elsewhere)
        finally:
            elsewhere.chmod(0o700)
        stderr, code = result.stderr, result.returncode
    else:
        from typer.testing import CliRunner

        from peerlog.cli import app

        monkeypatch.setenv("PEERLOG_HOME", str(elsewhere))
        with read_only(elsewhere, how, monkeypatch):
            result = CliRunner().invoke(app, ["log", "--json"], catch_exceptions=False)
        stderr, code = result.stderr, result.exit_code
    assert code == 1
    assert f"wait in {elsewhere / db.name}-wal" in stderr
    assert len(stderr.splitlines()) == 1
