"""`peerlog doctor` on healthy and broken journals: clear words, what to do, and nothing ever changed."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from peerlog.store.migrations import LATEST
from support import WAYS, Invoke, read_only


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def doctor_json(invoke: Invoke, *args: str) -> tuple[int, dict[str, Any]]:
    result = invoke(*args, "doctor", "--json")
    return result.exit_code, json.loads(result.stdout)


def problems(report: dict[str, Any]) -> list[str]:
    return [f["what"] + " " + (f["todo"] or "") for f in report["findings"] if f["level"] == "problem"]


@pytest.fixture
def db(journal: Invoke, home: Path) -> Path:
    """Ana's journal with two check-ins, one with a win."""
    assert (
        journal("checkin", "--pair", "sam", "--mood", "4", "--note", "Good talk", "--win", "Asked").exit_code
        == 0
    )
    assert journal("checkin", "--note", "Quiet day").exit_code == 0
    return home / "peerlog.db"


def test_doctor_shows_where_the_journal_lives_its_schema_size_and_counts(invoke: Invoke, db: Path) -> None:
    code, report = doctor_json(invoke)
    assert code == 0
    assert report["path"] == str(db)
    assert report["source"] == "from PEERLOG_HOME"
    assert report["schema_version"] == report["schema_known"] == LATEST
    assert report["size_bytes"] == db.stat().st_size > 0
    assert report["you"] == "Ana"
    assert report["counts"]["checkin"] == 2
    assert report["counts"]["win"] == 1
    assert report["counts"]["pair"] == report["counts"]["peers"] == 1
    assert report["integrity"] == ["ok"]
    assert report["healthy"] is True
    assert report["findings"] == []


def test_doctor_speaks_plainly_about_a_healthy_journal(invoke: Invoke, db: Path) -> None:
    result = invoke("doctor")
    assert result.exit_code == 0
    assert str(db) in result.stdout
    assert f"version {LATEST} (current)" in result.stdout
    assert "2 check-ins, 1 win" in result.stdout
    assert "healthy" in result.stdout


def test_doctor_changes_nothing_in_the_journal(invoke: Invoke, db: Path) -> None:
    before = digest(db)
    invoke("doctor")
    invoke("doctor", "--json")
    assert digest(db) == before


def test_doctor_tells_you_how_to_start_when_there_is_no_journal(invoke: Invoke, home: Path) -> None:
    result = invoke("doctor")
    assert result.exit_code == 1
    assert "There is no journal at" in result.stdout
    assert "peerlog init" in result.stdout
    assert not (home / "peerlog.db").exists()


def test_doctor_on_a_folder_says_to_point_at_the_file(invoke: Invoke, home: Path) -> None:
    (home / "peerlog.db").mkdir(parents=True)
    code, report = doctor_json(invoke)
    assert code == 1
    assert "is a folder, not a journal file" in problems(report)[0]


# ---------------------------------------------------------------- files peerlog must not touch


def _not_a_database(path: Path) -> None:
    path.write_text("Shopping list: bread, tea, oranges\n" * 20, encoding="utf-8")


def _another_programs_database(path: Path) -> None:
    path.unlink()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
        conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.close()


def _from_a_newer_peerlog(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(LATEST + 5),))
    conn.close()


BROKEN = {
    "not a database": (_not_a_database, "not an SQLite database"),
    "another program's database": (_another_programs_database, "from another program"),
    "from a newer peerlog": (_from_a_newer_peerlog, "written by a newer peerlog"),
}
#: Commands that open the journal. Add new ones here: each must refuse a broken file in one line, untouched.
COMMANDS_THAT_OPEN = [
    ["log"],
    ["checkin", "--note", "A note"],
    ["pair", "add", "Kim"],
    ["init", "--name", "Ana"],
    ["show", "abcd"],
    ["delete", "abcd", "--yes"],
]


@pytest.mark.parametrize("kind", BROKEN)
def test_doctor_explains_a_broken_file_and_leaves_it_as_it_was(kind: str, invoke: Invoke, db: Path) -> None:
    make_broken, expected = BROKEN[kind]
    make_broken(db)
    before = digest(db)
    code, report = doctor_json(invoke)
    assert code == 1
    assert expected in problems(report)[0]
    assert "has not changed it" in problems(report)[0]
    text = invoke("doctor").stdout
    assert "What to do:" in text
    assert digest(db) == before


@pytest.mark.parametrize("kind", BROKEN)
@pytest.mark.parametrize("command", COMMANDS_THAT_OPEN, ids=" ".join)
def test_every_command_refuses_a_broken_file_in_one_line_and_changes_nothing(
    kind: str, command: list[str], invoke: Invoke, db: Path
) -> None:
    make_broken, _ = BROKEN[kind]
    make_broken(db)
    before = digest(db)
    result = invoke(*command)
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "nothing was changed" in result.stderr.lower() or "has not changed" in result.stderr.lower()
    assert "unexpected" not in result.stderr
    assert digest(db) == before


def test_doctor_lists_the_newest_backup_as_the_way_back(invoke: Invoke, db: Path) -> None:
    backup = db.with_name("peerlog.db.schema1-20260101-120000.bak")
    shutil.copy(db, backup)
    _not_a_database(db)
    code, report = doctor_json(invoke)
    assert code == 1
    assert report["backups"] == [str(backup)]
    assert str(backup) in problems(report)[0]


def test_doctor_says_an_older_journal_will_be_upgraded(
    invoke: Invoke, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("peerlog.doctor.LATEST", LATEST + 1)
    code, report = doctor_json(invoke)
    assert code == 0
    assert [f["level"] for f in report["findings"]] == ["note"]
    assert "will upgrade it" in report["findings"][0]["what"]


@pytest.mark.parametrize("flags", [[], ["--quick"]], ids=["full check", "quick check"])
def test_doctor_finds_a_damaged_journal_and_says_to_keep_a_copy(
    flags: list[str], db: Path, invoke: Invoke
) -> None:
    with sqlite3.connect(db) as conn:  # enough entries to fill many pages, quickly
        me = conn.execute("SELECT id FROM person WHERE is_self = 1").fetchone()[0]
        conn.executemany(
            "INSERT INTO checkin (id, author_id, at, utc_offset, note, visibility, created_at, updated_at) "
            "VALUES (?, ?, '2026-01-01 10:00:00', 0, ?, 'private', '2026-01-01', '2026-01-01')",
            [(f"{i:08x}-0000-4000-8000-000000000000", me, f"Entry number {i} " * 30) for i in range(120)],
        )
    conn.close()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    with db.open("r+b") as handle:  # scribble over b-tree pages in the middle of the file
        for page in range(pages // 2, pages // 2 + 8):
            handle.seek(page * 4096)
            handle.write(b"\x0d\x00\x07" + b"\xff" * 300)
    before = digest(db)
    result = invoke("doctor", "--json", *flags)
    assert result.exit_code == 1
    assert "Keep a copy of the file" in problems(json.loads(result.stdout))[0]
    assert digest(db) == before


def test_doctor_finishes_an_interrupted_first_setup_kindly(invoke: Invoke, home: Path) -> None:
    home.mkdir()
    (home / "peerlog.db").touch(mode=0o600)
    code, report = doctor_json(invoke)
    assert code == 0
    assert "first set-up did not finish" in report["findings"][0]["what"]
    assert invoke("init", "--name", "Ana").exit_code == 0
    assert doctor_json(invoke)[1]["findings"] == []


def test_doctor_notices_a_journal_others_may_read(invoke: Invoke, db: Path) -> None:
    db.chmod(0o644)
    code, report = doctor_json(invoke)
    assert code == 0
    assert report["mode"] == "0644"
    assert f"chmod 600 {db}" in report["findings"][0]["todo"]


# ---------------------------------------------------------------- read-only file or folder
# How each case is made read-only, root included: see `read_only` in support.py.


@pytest.mark.parametrize("how", WAYS)
def test_doctor_explains_a_read_only_journal_file(
    how: str, invoke: Invoke, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = digest(db)
    with read_only(db, how, monkeypatch):
        code, report = doctor_json(invoke)
    assert code == 1
    assert "read-only" in problems(report)[0]
    assert "can show your entries" in problems(report)[0]
    assert report["counts"]["checkin"] == 2
    assert digest(db) == before


@pytest.mark.parametrize("how", WAYS)
def test_doctor_explains_a_read_only_folder(
    how: str, invoke: Invoke, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = digest(db)
    with read_only(db.parent, how, monkeypatch):
        code, report = doctor_json(invoke)
    assert code == 1
    assert f"The folder {db.parent} cannot be written" in problems(report)[0]
    assert digest(db) == before


@pytest.mark.parametrize("how", ["chmod", "immutable"])
def test_saving_into_a_read_only_journal_says_so_and_keeps_every_entry(
    how: str, invoke: Invoke, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = digest(db)
    with read_only(db, how, monkeypatch):
        result = invoke("checkin", "--note", "Will not fit")
        listed = invoke("log", "--json")
    assert result.exit_code == 1
    assert "read-only, so nothing could be saved" in result.stderr
    assert listed.exit_code == 0
    assert len(json.loads(listed.stdout)) == 2
    assert digest(db) == before


def test_saving_when_sqlite_refuses_writes_says_read_only_even_for_root(
    invoke: Invoke, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # query_only is SQLite refusing every write with its real read-only error, whoever runs the test.
    with monkeypatch.context() as patch:
        _connections_say(patch, "PRAGMA query_only = ON")
        result = invoke("checkin", "--note", "Will not fit")
    assert result.exit_code == 1
    assert result.stderr.startswith("peerlog: The journal at")
    assert "read-only, so nothing could be saved" in result.stderr
    assert len(json.loads(invoke("log", "--json").stdout)) == 2


# ---------------------------------------------------------------- a full disk


def _connections_say(monkeypatch: pytest.MonkeyPatch, *pragmas: str) -> None:
    """Every connection peerlog opens runs these first (a real SQLite limit, not a mock of its errors)."""
    from sqlalchemy import event

    import peerlog.store.sqlite as store_sqlite

    make_engine = store_sqlite.make_engine

    def limited(path: Path) -> Any:
        engine = make_engine(path)

        @event.listens_for(engine, "connect")
        def _limit(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            for pragma in pragmas:
                dbapi_connection.execute(pragma)

        return engine

    monkeypatch.setattr(store_sqlite, "make_engine", limited)


def test_doctor_warns_when_the_disk_is_nearly_full(
    invoke: Invoke, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda p: real(p)._replace(free=3 * 1024 * 1024))
    code, report = doctor_json(invoke)
    assert code == 1
    assert "nearly full (3.0 MB free)" in problems(report)[0]
    assert "Everything saved so far is safe" in problems(report)[0]


def test_a_check_in_on_a_full_disk_says_so_and_the_journal_stays_whole(
    invoke: Invoke, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # max_page_count stops the file growing exactly as a full disk would: SQLite answers SQLITE_FULL.
    with sqlite3.connect(db) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    with monkeypatch.context() as patch:
        _connections_say(patch, f"PRAGMA max_page_count = {pages}")
        result = invoke("checkin", "--note", "A long day " * 1500, "--win", "Kept going")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "peerlog: The disk is full, so nothing was saved; your journal is unchanged. "
        "Free some space and try again."
    )
    entries = json.loads(invoke("log", "--json").stdout)
    assert [e["note"] for e in entries] == ["Quiet day", "Good talk"]
    assert doctor_json(invoke)[1]["integrity"] == ["ok"]
    assert invoke("checkin", "--note", "Space again").exit_code == 0


@pytest.mark.slow  # a real process, so a file-size limit binds only it
def test_a_check_in_the_file_system_refuses_to_grow_says_so(db: Path, tmp_path: Path) -> None:
    """A file size limit set by the OS (RLIMIT_FSIZE): writes fail at the file system, as on a full disk."""
    import resource
    import signal
    import sys

    limit = 8192  # smaller than the note: the write-ahead log cannot grow to hold it

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PEERLOG_HOME": str(db.parent)}
    note = "A long day " * 1800
    result = subprocess.run(
        [sys.executable, "-m", "peerlog", "checkin", "--note", note, "--win", "Kept going"],
        preexec_fn=limited,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "nothing was saved; your journal is unchanged" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM checkin").fetchone()[0] == 2
    conn.close()


def test_doctor_json_writes_control_characters_in_a_path_escaped(invoke: Invoke, tmp_path: Path) -> None:
    # U+009B is a CSI on some terminals; json.dumps alone leaves it raw.
    journal = tmp_path / "odd\x9bname" / "peerlog.db"
    assert invoke("--db", str(journal), "init", "--name", "Ana").exit_code == 0
    result = invoke("--db", str(journal), "doctor", "--json")
    assert "\x9b" not in result.stdout and "\\u009b" in result.stdout
    assert json.loads(result.stdout)["path"] == str(journal)
