"""A peerlog process killed outright (SIGKILL) loses nothing it said was saved, and the journal still opens.

SIGKILL gives no chance to clean up: no rollback, no close, no checkpoint. What protects the journal is
SQLite's write-ahead log and peerlog committing each entry in one transaction before it says "Saved".
"""

from __future__ import annotations

import contextlib
import json
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from support import SAVED, environment, journal_rows, start_writer, wait_for

# Real processes, started and killed: run by CI and the README's test command, skipped by `-m "not slow"`.
pytestmark = pytest.mark.slow

# A process that upgrades the journal with one extra, slow migration. It rewrites a table (SQLite's
# batch mode copies it), touches every check-in, then waits inside the still-open transaction.
MIGRATOR = r"""
import sys, time
import sqlalchemy as sa
from pathlib import Path
from peerlog.store import Store, migrations

def slow_upgrade(op):
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("pronouns", sa.String(), nullable=True))
    op.execute("UPDATE checkin SET note = note || ' (upgraded)'")
    op.create_table("scratch", sa.Column("id", sa.Integer(), primary_key=True))
    print("MIGRATING", flush=True)
    if sys.argv[2] == "hang":
        time.sleep(600)

migrations.MIGRATIONS.append(("9999_slow_upgrade", slow_upgrade))
migrations.LATEST = len(migrations.MIGRATIONS)
Store.open(Path(sys.argv[1]), create=True).close()
print("DONE", flush=True)
"""


def peerlog(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "peerlog", *args],
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def kill(process: subprocess.Popen[str]) -> str:
    """SIGKILL, then everything the process had printed (its stdout pipe keeps what was written)."""
    process.send_signal(signal.SIGKILL)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    return out


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    assert peerlog(home, "init", "--name", "Ana").returncode == 0
    return home


def test_killed_inside_a_check_in_transaction_keeps_every_saved_entry_and_none_half_written(
    home: Path,
) -> None:
    writer = start_writer(home, name="k", count=50, hang_at=20)
    lines = wait_for(writer, "READY") + wait_for(writer, "MIDWAY")
    reported = [m.group(1) for m in map(SAVED.match, lines) if m]
    assert len(reported) == 20
    kill(writer)

    rows = journal_rows(home / "peerlog.db")  # includes PRAGMA integrity_check
    assert sorted(cid[:8] for cid, _, _ in rows) == sorted(reported)
    assert sorted(note for _, note, _ in rows) == sorted(f"k-{i}" for i in range(20))
    assert all(win == f"win {note}" for _, note, win in rows)  # no check-in lost its win, none half there
    listed = peerlog(home, "log", "--json", "--limit", "100")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 20
    again = peerlog(home, "checkin", "--note", "After the crash")
    assert again.returncode == 0, again.stderr


def test_killed_at_random_moments_while_writing_keeps_everything_it_reported(home: Path) -> None:
    rng = random.Random(6)
    reported: set[str] = set()
    kills = 4
    for round_ in range(kills):
        # Checkpoint every few pages so some kills land while the log is copied into the main file.
        writer = start_writer(home, name=f"r{round_}", count=10_000, wal_autocheckpoint=4)
        lines = wait_for(writer, "READY") + wait_for(writer, "Saved")
        # It is writing; let it run a little, then kill it wherever it happens to be.
        lines += kill_after(writer, rng.uniform(0.05, 0.4)).splitlines()
        reported |= {m.group(1) for m in map(SAVED.match, lines) if m}
        assert not [line for line in lines if line.startswith("FAILED")]

    rows = journal_rows(home / "peerlog.db")
    present = {cid[:8] for cid, _, _ in rows}
    assert reported <= present, f"reported as saved but missing: {reported - present}"
    # At most the one write in flight per kill may have committed without being reported.
    assert len(present - reported) <= kills
    assert all(win == f"win {note}" for _, note, win in rows)
    assert peerlog(home, "doctor").returncode == 0
    assert len(reported) >= kills  # every round really was writing when it was killed


def kill_after(process: subprocess.Popen[str], seconds: float) -> str:
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=seconds)
    return kill(process)


def test_killed_in_the_middle_of_an_upgrade_leaves_the_old_journal_whole(home: Path, tmp_path: Path) -> None:
    for i in range(3):
        assert peerlog(home, "checkin", "--note", f"Before {i}", "--win", f"win {i}").returncode == 0
    db = home / "peerlog.db"
    _add_directly(db, 27)
    before = sorted((note, win) for _, note, win in journal_rows(db))
    with sqlite3.connect(db) as conn:
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    conn.close()

    migrator = subprocess.Popen(
        [sys.executable, "-c", MIGRATOR, str(db), "hang"],
        env=environment(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(migrator, "MIGRATING")
    kill(migrator)

    assert sorted((note, win) for _, note, win in journal_rows(db)) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == version
        assert "pronouns" not in {r[1] for r in conn.execute("PRAGMA table_info(person)")}
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'scratch'").fetchone()[0] == 0
    conn.close()
    backups = list(home.glob("peerlog.db.schema*.bak"))
    assert len(backups) == 1  # saved before the upgrade began, and a whole journal in itself
    assert sorted((n, w) for _, n, w in journal_rows(backups[0])) == before

    listed = peerlog(home, "log", "--json", "--limit", "100")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 30
    assert peerlog(home, "doctor").returncode == 0
    # And the same upgrade, run again without the crash, completes.
    finished = subprocess.run(
        [sys.executable, "-c", MIGRATOR, str(db), "go"], env=environment(home), capture_output=True, text=True
    )
    assert "DONE" in finished.stdout, finished.stderr
    assert all(note.endswith("(upgraded)") for _, note, _ in journal_rows(db))


def test_a_first_run_killed_while_creating_the_journal_can_simply_be_run_again(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    db = home / "peerlog.db"
    migrator = subprocess.Popen(
        [sys.executable, "-c", MIGRATOR, str(db), "hang"],
        env=environment(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(migrator, "MIGRATING")
    kill(migrator)

    assert db.exists()
    doctor = json.loads(peerlog(home, "doctor", "--json").stdout)
    assert "first set-up did not finish" in doctor["findings"][0]["what"]
    started = peerlog(home, "init", "--name", "Ana")
    assert started.returncode == 0, started.stderr
    assert "Welcome, Ana" in started.stdout
    assert peerlog(home, "checkin", "--note", "First entry").returncode == 0
    assert [note for _, note, _ in journal_rows(db)] == ["First entry"]


def _add_directly(db: Path, count: int) -> None:
    """More check-ins quickly, through peerlog's own domain code (one process, one transaction)."""
    code = (
        "import sys; from pathlib import Path\n"
        "from peerlog.store import Store\n"
        "from peerlog.checkins import record_checkin\n"
        "store = Store.open(Path(sys.argv[1]))\n"
        "with store.session(write=True) as s:\n"
        "    for i in range(3, 3 + int(sys.argv[2])):\n"
        "        record_checkin(s, note=f'Before {i}', wins=[f'win {i}'])\n"
        "store.close()\n"
    )
    subprocess.run([sys.executable, "-c", code, str(db), str(count)], check=True)
