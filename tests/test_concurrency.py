"""Several peerlog processes writing to one journal at the same moment: nothing lost, nothing twice.

The writers are real processes running peerlog's real command line. Each imports peerlog once and then
runs `checkin` many times in a row (a fresh interpreter per check-in would spend the test's time starting
Python, and the race this guards is in writing, not in starting). They all wait for one "go" file, so the
writes really do collide. A few truly separate `peerlog` processes also start a journal at the same moment.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

WORKERS = 8
#: 8 x 200 is the issue's example; the suite's default keeps it and the crash tests well under a minute.
PER_WORKER = int(os.environ.get("PEERLOG_TEST_CHECKINS_PER_WRITER", "50"))
SAVED = re.compile(r"^Saved check-in ([0-9a-f]{8}) ")

#: A writer process. Config (JSON in argv[1]): name, count, go (a file to wait for), and for the crash tests
#: hang_at (stop inside the N-th write's transaction) and wal_autocheckpoint (checkpoint often).
WRITER = r"""
import json, sys, time
from pathlib import Path

config = json.loads(sys.argv[1])
if config.get("wal_autocheckpoint"):
    from sqlalchemy import event
    import peerlog.store.sqlite as store_sqlite

    make_engine = store_sqlite.make_engine

    def often(path):
        engine = make_engine(path)

        @event.listens_for(engine, "connect")
        def _checkpoint_often(connection, _record):
            connection.execute(f"PRAGMA wal_autocheckpoint = {config['wal_autocheckpoint']}")

        return engine

    store_sqlite.make_engine = often
if config.get("hang_at") is not None:
    import peerlog.checkins as checkins

    add_items, written = checkins._add_items, []

    def add_then_hang(session, checkin_id, *args, **kwargs):
        add_items(session, checkin_id, *args, **kwargs)
        written.append(checkin_id)
        if len(written) > config["hang_at"]:
            # The check-in and its win are written but not committed: the moment a crash hurts most.
            print(f"MIDWAY {checkin_id}", flush=True)
            time.sleep(600)

    checkins._add_items = add_then_hang

import typer.main
from peerlog.cli import app
import peerlog.checkins, peerlog.store.migrations, sqlalchemy.dialects.sqlite  # noqa: the race is in writing

# The command line Typer builds from `app`, built once: rebuilding it per check-in would time Typer.
command = typer.main.get_command(app)

print("READY", flush=True)
go = config.get("go")
while go and not Path(go).exists():
    time.sleep(0.001)
for i in range(config["count"]):
    note = f"{config['name']}-{i}"
    argv = ["checkin", "--note", note, "--win", f"win {note}", "--tag", config["name"]]
    try:
        command.main(argv, prog_name="peerlog")
    except SystemExit as done:
        if done.code:
            print(f"FAILED {note} exit {done.code}", flush=True)
"""


def environment(home: Path) -> dict[str, str]:
    env = {**os.environ, "PEERLOG_HOME": str(home), "PEERLOG_NO_PROMPT": "1"}
    for name in ("PEERLOG_DB", "PEERLOG_DEBUG"):
        env.pop(name, None)
    return env


def start_writer(home: Path, **config: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, json.dumps(config)],
        env=environment(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(process: subprocess.Popen[str], marker: str, timeout: float = 60) -> list[str]:
    """Read the writer's lines up to and including the first one starting with `marker`."""
    assert process.stdout is not None
    deadline, lines = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(
                f"writer ended before {marker}: {process.stderr.read() if process.stderr else ''}"
            )
        lines.append(line.rstrip("\n"))
        if line.startswith(marker):
            return lines
    raise AssertionError(f"no {marker} within {timeout}s")


def journal_rows(db: Path) -> list[tuple[str, str, str]]:
    """(id, note, its win) for every check-in, read with plain sqlite3 after every writer has gone."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute(
            "SELECT c.id, c.note, group_concat(w.text) FROM checkin c LEFT JOIN win w ON w.checkin_id = c.id "
            "GROUP BY c.id"
        ).fetchall()
    conn.close()
    return rows


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
