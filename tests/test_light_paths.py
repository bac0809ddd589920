"""The everyday commands stay quick: a check-in, `log`, `show` and the reviews read and write plain rows through
the models' tables without building pydantic's validators or loading alembic, and a journal another peerlog
is creating right now is never called foreign.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from peerlog.store import Store, migrations

# Runs each command in one fresh interpreter and reports what it built beyond its queries: pydantic validators
# for any table model (deferred until something validates, which these commands never need), or alembic.
PROBE = """
import json, sys
from peerlog.cli import app
argv, code = json.loads(sys.argv[1]), 0
try:
    app(argv, prog_name="peerlog")
except SystemExit as done:
    code = done.code
models = sys.modules.get("peerlog.models")
built = sorted(
    name for name, value in vars(models).items()
    if getattr(value, "__pydantic_complete__", False) and getattr(value, "model_config", {}).get("table")
) if models else []
print("PROBE" + json.dumps({"code": code, "built": built, "alembic": "alembic" in sys.modules}))
"""


def probe(home: Path, *argv: str) -> dict[str, object]:
    env = {**os.environ, "PEERLOG_HOME": str(home), "PEERLOG_NO_PROMPT": "1"}
    env.pop("PEERLOG_DB", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(argv))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("PROBE")), None)
    assert line, done.stdout + done.stderr
    return json.loads(line[len("PROBE") :])


def test_everyday_commands_build_no_validators_and_load_no_alembic(tmp_path: Path) -> None:
    assert probe(tmp_path, "init", "--name", "Ana")["code"] == 0
    assert probe(tmp_path, "pair", "add", "Sam")["code"] == 0
    steps = [
        ["checkin", "--pair", "sam", "--mood", "4", "--note", "Good talk", "--win", "Asked", "--tag", "x"],
        ["log", "--limit", "10"],
        ["log", "--pair", "sam", "--tag", "x", "--json"],
        ["wins", "--pair", "sam"],
        ["summary"],
        ["search", "talk"],
    ]
    for argv in steps:
        assert probe(tmp_path, *argv) == {"code": 0, "built": [], "alembic": False}, argv
    env = {**os.environ, "PEERLOG_HOME": str(tmp_path)}
    env.pop("PEERLOG_DB", None)
    listed = subprocess.run(
        [sys.executable, "-m", "peerlog", "log", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    short = json.loads(listed.stdout)[0]["id"][:8]
    assert probe(tmp_path, "show", short) == {"code": 0, "built": [], "alembic": False}


def test_a_journal_another_peerlog_just_created_opens_instead_of_being_called_foreign(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two first runs at once: this one looks for the version before the other commits the new journal,
    # then sees its tables. It must read the version again rather than refuse a real journal.
    path = tmp_path / "peerlog.db"
    Store.open(path, create=True).close()
    real_read, calls = migrations.read_version, []

    def late_read(conn):  # type: ignore[no-untyped-def]
        calls.append(1)
        return None if len(calls) == 1 else real_read(conn)

    monkeypatch.setattr(migrations, "read_version", late_read)
    store = Store.open(path)
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM person")).scalar() == 0
    finally:
        store.close()
    assert len(calls) == 2
    assert not list(tmp_path.glob("*.bak")), "a current journal needs no backup"
