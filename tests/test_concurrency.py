"""Several peerlog processes writing to one journal at the same moment: nothing lost, nothing twice.

The writers are real processes running peerlog's real command line. Each imports peerlog once and then
runs `checkin` many times in a row (a fresh interpreter per check-in would spend the test's time starting
Python, and the race this guards is in writing, not in starting). They all wait for one "go" file, so the
writes really do collide. A few truly separate `peerlog` processes also start a journal at the same moment.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from support import PER_WORKER, SAVED, environment, journal_rows, start_writer, wait_for

# Real processes racing each other: run by CI and the README's test command, skipped by `-m "not slow"`.
pytestmark = pytest.mark.slow

WORKERS = 8


@pytest.fixture
def shared_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    done = subprocess.run(
        [sys.executable, "-m", "peerlog", "init", "--name", "Ana"],
        env=environment(home),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return home


def test_eight_processes_writing_at_once_lose_nothing_and_save_nothing_twice(
    shared_home: Path, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    writers = [start_writer(shared_home, name=f"w{n}", count=PER_WORKER, go=str(go)) for n in range(WORKERS)]
    for writer in writers:
        wait_for(writer, "READY")
    go.touch()  # all of them at once
    outputs = [writer.communicate(timeout=180) for writer in writers]

    reported: list[str] = []
    for writer, (out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
        assert "locked" not in err.lower() and "busy" not in err.lower(), err
        assert err.strip() == "", err
        assert "FAILED" not in out, out
        reported += [m.group(1) for m in map(SAVED.match, out.splitlines()) if m]
    rows = journal_rows(shared_home / "peerlog.db")
    notes = Counter(note for _, note, _ in rows)
    expected = {f"w{n}-{i}" for n in range(WORKERS) for i in range(PER_WORKER)}
    assert set(notes) == expected
    assert max(notes.values()) == 1
    assert all(win == f"win {note}" for _, note, win in rows)
    assert len(reported) == len(set(reported)) == WORKERS * PER_WORKER
    assert {cid[:8] for cid, _, _ in rows} == set(reported)


def test_first_runs_started_together_make_one_journal_with_one_you(tmp_path: Path) -> None:
    """Eight separate `peerlog` processes start a journal that does not exist yet, at the same moment."""
    home = tmp_path / "home"
    script = Path(sys.executable).with_name("peerlog")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "peerlog"]
    starters = [
        subprocess.Popen(
            [*command, "init", "--name", "Ana"],
            env=environment(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    results = [(s.wait(timeout=120), *s.communicate()) for s in starters]
    for code, _out, err in results:
        assert code == 0, err
        assert err == ""
    assert sum("Welcome, Ana" in out for _, out, _ in results) == 1
    with sqlite3.connect(home / "peerlog.db") as conn:
        assert conn.execute("SELECT count(*) FROM person WHERE is_self = 1").fetchone()[0] == 1
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
